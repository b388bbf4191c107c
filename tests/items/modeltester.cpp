#include "modeltester.h"

#include <cstring>

namespace md::test {

namespace {
QtMessageHandler g_previous = nullptr;

void routeModelTestMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && std::strcmp(context.category, "qt.modeltest") == 0) {
        ADD_FAILURE() << "QAbstractItemModelTester: " << message.toStdString();
        return;
    }
    if (g_previous)
        g_previous(type, context, message);
}
} // namespace

CheckedModel::CheckedModel(QAbstractItemModel *model)
{
    m_previous = qInstallMessageHandler(routeModelTestMessages);
    g_previous = m_previous;
    m_tester =
        std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::Warning);
}

CheckedModel::~CheckedModel()
{
    m_tester.reset();
    qInstallMessageHandler(m_previous);
}

} // namespace md::test
