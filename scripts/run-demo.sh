#!/bin/sh
# The demo command: install dependencies, build, and run the failover demo
# in network namespaces (two home agents, a virtual HA address, bindings).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/install-deps.sh"
sh "$top/scripts/build.sh"
exec sh "$top/tests/integration/demo.sh" "${BUILD_DIR:-$top/build}"
