#pragma once

// Attaches QAbstractItemModelTester to a model and turns every complaint it logs (category
// "qt.modeltest") into a GoogleTest failure.

#include <QAbstractItemModelTester>

#include <gtest/gtest.h>

#include <memory>

namespace md::test {

class CheckedModel
{
public:
    explicit CheckedModel(QAbstractItemModel *model);
    ~CheckedModel();
    CheckedModel(const CheckedModel &) = delete;
    CheckedModel &operator=(const CheckedModel &) = delete;

private:
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    QtMessageHandler m_previous = nullptr;
};

} // namespace md::test
