#!/bin/sh
# The test command: install dependencies, build, run the whole CTest suite.
# Must run as root on Debian 12 (network namespaces, raw sockets, apt-get).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/install-deps.sh"
sh "$top/scripts/build.sh"
cd "${BUILD_DIR:-$top/build}"
ctest --output-on-failure --timeout 900 "$@"
