#include "stagestyle.h"

namespace md {

QColor stageColor(Stage stage)
{
    switch (stage) {
    case Stage::None:
        return QColor(0xe0, 0xe0, 0xe0);
    case Stage::Staging:
        return QColor(0xff, 0xd5, 0x80);
    case Stage::Production:
        return QColor(0x7f, 0xc9, 0xff);
    case Stage::Archived:
        return QColor(0xbd, 0xbd, 0xbd);
    }
    return QColor(Qt::white);
}

} // namespace md
