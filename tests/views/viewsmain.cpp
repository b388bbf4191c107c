// Widget test entry point: a QApplication, offscreen unless a display is asked for, and settings in a
// temporary folder so tests never read or change the user's ModelDesk settings.

#include "views/focusstyle.h"

#include <QApplication>
#include <QTemporaryDir>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    QApplication app(argc, argv);
    QApplication::setStyle(new md::FocusFrameStyle); // as modeldesk does
    QCoreApplication::setOrganizationName(QStringLiteral("ModelDeskTests"));
    QCoreApplication::setApplicationName(QStringLiteral("modeldesk-tests"));
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
