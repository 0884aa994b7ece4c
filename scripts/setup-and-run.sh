#!/usr/bin/env bash
# Installs every dependency (Debian 12 packages), builds everything, and runs
# the main job: a failure scenario in the simulator, with its summary and a
# timeline picture. Pass another scenario file to run that one instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j "$(nproc)"
scenario="${1:-scenarios/initial-size-3-lose-two.yaml}"
echo
echo "== kontena-sim run $scenario"
build/bin/kontena-sim run "$scenario" --report build/report.json --timeline build/timeline.svg
echo
echo "report: build/report.json   timeline picture: build/timeline.svg"
