#pragma once

#include <QLineEdit>

namespace md {

// A line edit for search filters that underlines the part of the text an error points at.
class FilterLineEdit final : public QLineEdit
{
    Q_OBJECT
public:
    explicit FilterLineEdit(QWidget *parent = nullptr);

    // Marks [position, position + length) of the text; length 0 clears the mark.
    void setErrorRange(qsizetype position, qsizetype length);
    qsizetype errorPosition() const { return m_errorPosition; }
    qsizetype errorLength() const { return m_errorLength; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    qsizetype m_errorPosition = 0;
    qsizetype m_errorLength = 0;
};

} // namespace md
