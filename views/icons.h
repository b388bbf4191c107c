#pragma once

#include <QIcon>
#include <QString>

namespace md {

// The app's icons: resources/icons (SVG, compiled in under ":/icons/"), named by their path there without the
// extension ("actions/approve", "stages/stage-production"). Where the freedesktop icon naming spec has the concept
// (document-open, view-refresh, ...) the desktop's theme is asked first, so the app fits the desktop; ours are the
// fallback, and the only icon where the spec has no name (lineage, compare, the stages). The table of names is in
// icons.cpp and in resources/icons/README.md.
QIcon icon(const QString &name);

// The application icon, with every size drawn for it (16 to 256 pixels).
QIcon applicationIcon();

} // namespace md
