#!/usr/bin/env bash
# Scenario reports byte for byte: runs every library scenario with seeds
# 1..SEEDS through two kontena-sim binaries (JSON report, text summary and
# SVG timeline) plus `explore` over EXPLORE seeds of each, and diffs them.
#   scripts/compare-reports.sh BASELINE_SIM NEW_SIM [SEEDS=3] [EXPLORE=50]
# Exit 0 when every output is identical; prints the files that differ.
set -uo pipefail
cd "$(dirname "$0")/.."
base=${1:?baseline kontena-sim}
new=${2:?new kontena-sim}
seeds=${3:-3}
explore=${4:-50}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_all() {
    local sim=$1 dir=$2
    mkdir -p "$dir"
    for f in scenarios/*.yaml; do
        local n
        n=$(basename "$f" .yaml)
        for s in $(seq 1 "$seeds"); do
            "$sim" run "$f" --seed "$s" --report "$dir/$n.$s.json" --timeline "$dir/$n.$s.svg" > "$dir/$n.$s.txt" 2>&1
            echo "exit $?" >> "$dir/$n.$s.txt"
        done
        "$sim" explore "$f" --seeds "$explore" > "$dir/$n.explore.txt" 2>&1
        echo "exit $?" >> "$dir/$n.explore.txt"
    done
}

run_all "$base" "$out/base"
run_all "$new" "$out/new"
count=$(find "$out/base" -type f | wc -l)
if diff -rq "$out/base" "$out/new"; then
    echo "identical: $count outputs ($(ls scenarios/*.yaml | wc -l) scenarios x $seeds seeds: report, summary, timeline; explore $explore seeds each)"
    exit 0
fi
echo "DIFFERENT (see above) of $count outputs"
exit 1
