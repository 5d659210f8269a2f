// The console's files (sync-server/console/web and shared/web), compiled into the server library
// by sync-server/CMakeLists.txt (cmake/EmbedAssets.cmake): the page, its scripts and styles, and
// the plan report's styles.
#pragma once

#include <cstddef>

#include "fieldcheck/web_assets.h"

namespace fieldcheck {
extern const EmbeddedFile kConsoleAssets[];
extern const std::size_t kConsoleAssetsCount;
}  // namespace fieldcheck
