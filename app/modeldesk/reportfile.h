#pragma once

#include <QByteArray>
#include <QString>

// The end of a --startup-report, --memory-report or --action-report run. finishReport writes `text` to `file` and to
// standard output and quits with 0 (or, when the file cannot be written, says so and quits with 1); failReport says
// why there is no report and quits with 1. `option` names the report in the message ("--memory-report").
void finishReport(const char *option, const QString &file, const QByteArray &text);
void failReport(const char *option, const QString &why);
