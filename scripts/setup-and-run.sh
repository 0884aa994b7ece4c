#!/usr/bin/env bash
# Installs every dependency (Debian 12 packages), builds everything, and runs
# the main job: the placement demo on a generated grid (see demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j "$(nproc)"
echo
build/bin/kontena-placement-demo "$@"
