#!/bin/sh
# Configure and build everything (library, CLI, patched keepalived) into
# ${BUILD_DIR:-build}. Incremental: a second run with nothing changed does
# not refetch, reconfigure or relink keepalived.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVRRP_HA_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
