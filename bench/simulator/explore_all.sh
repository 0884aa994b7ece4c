#!/usr/bin/env bash
# Explores every scenario of scenarios/ with many seeds (default 1,000) and
# prints one BENCH line per scenario plus totals. Not part of CI (CI explores
# a few seeds per scenario in tests/engine/tst_scenarios.cpp).
#   bench/simulator/explore_all.sh [SEEDS] [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
seeds="${1:-1000}"
sim="${2:-build}/bin/kontena-sim"
total=0
bad=0
start=$(date +%s)
for f in scenarios/*.yaml; do
  name=$(basename "$f" .yaml)
  out=$("$sim" explore "$f" --seeds "$seeds" 2>/dev/null)
  failing=$(printf '%s\n' "$out" | tail -n 1 | sed -E 's/.* ([0-9]+) with violations/\1/')
  printf '%s\n' "$out" | grep -m 3 'seed .*:' | sed 's/^/# /'
  echo "BENCH explore_${name}_violations ${failing} seeds"
  total=$((total + seeds))
  bad=$((bad + failing))
done
echo "BENCH explore_total_seeds ${total} seeds"
echo "BENCH explore_total_violations ${bad} seeds"
echo "BENCH explore_wall $(( $(date +%s) - start )) s"
