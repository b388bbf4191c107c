#pragma once

#include "registry/types.h"

#include <QColor>

namespace md {

// Colours that mark lifecycle stages everywhere in the GUI (tables, badges, timelines), chosen to be
// told apart by people with red-green colour blindness and readable with black text.
QColor stageColor(Stage stage);

} // namespace md
