#pragma once

#include "registry/gates.h"

#include <QTreeWidget>

namespace md {

// A gate report as a checklist: PASS/FAIL, the rule, what the candidate has, what the rule expects.
class GateChecklist final : public QTreeWidget
{
    Q_OBJECT
public:
    explicit GateChecklist(QWidget *parent = nullptr);
    void setReport(const GateReport &report);
    void setMessage(const QString &text); // loading, or an error
    int failingCount() const { return m_failing; }

private:
    int m_failing = 0;
};

} // namespace md
