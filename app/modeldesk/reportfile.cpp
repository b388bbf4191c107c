#include "reportfile.h"

#include <QApplication>
#include <QFile>

#include <cstdio>

void finishReport(const char *option, const QString &file, const QByteArray &text)
{
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text) != text.size()) {
        failReport(option, QStringLiteral("cannot write ") + file);
        return;
    }
    out.close();
    std::printf("%s", text.constData());
    std::fflush(stdout);
    QApplication::exit(0);
}

void failReport(const char *option, const QString &why)
{
    std::fprintf(stderr, "modeldesk: %s: %s\n", option, why.toLocal8Bit().constData());
    QApplication::exit(1);
}
