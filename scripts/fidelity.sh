#!/usr/bin/env bash
# Same scenario, real hosts, for every scenario of the library (not only
# the ones tagged `real:` that CI runs): each runs in the simulator and on a
# real master with real agents on private dockerds (build/bin/kontena-fidelity),
# four at once, and a table says per scenario how long it took and whether
# the two agreed (or the first difference, or why it cannot run for real).
#   scripts/fidelity.sh [SCENARIO_NAME...]     (needs root, a built tree)
# JOBS=N runs N at once; PICTURES=DIR writes each run's two timelines (SVG);
# TIME_SCALE=F runs every scenario at F instead of its own real.time_scale;
# REPORTS=DIR keeps each run's report (kontena-admin --real-run DIR/NAME.json).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
files=()
if [ $# -eq 0 ]; then
  files=(scenarios/*.yaml)
else
  for name in "$@"; do
    f=$(grep -l "^scenario: *$name *\$" scenarios/*.yaml | head -1)
    [ -n "$f" ] || { echo "no scenario named $name in scenarios/" >&2; exit 2; }
    files+=("$f")
  done
fi
extra=()
[ -n "${PICTURES:-}" ] && extra=(--pictures "$PICTURES")
[ -n "${TIME_SCALE:-}" ] && extra+=(--time-scale "$TIME_SCALE")
[ -n "${REPORTS:-}" ] && extra+=(--reports "$REPORTS")
exec "$build/bin/kontena-fidelity" run "${files[@]}" --jobs "${JOBS:-4}" "${extra[@]}"
