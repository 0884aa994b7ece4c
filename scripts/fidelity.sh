#!/usr/bin/env bash
# Same scenario, real hosts, for every scenario of the library (not only
# the ones tagged `real:` that CI runs): each runs in the simulator and on a
# real master with real agents on private dockerds (tests/fidelity), and a
# table says per scenario how long it took and whether the two agreed (or
# the first difference). Slow: about a minute and a half per scenario.
#   scripts/fidelity.sh [SCENARIO_NAME...]     (needs root, a built tree)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in scenarios/*.yaml; do names+=("$(sed -n 's/^scenario: *//p' "$f" | head -1)"); done
fi
table=$(mktemp)
KONTENA_FIDELITY_TABLE="$table" KONTENA_FIDELITY_SCENARIOS="$(IFS=,; echo "${names[*]}")" \
  KONTENA_SOURCE_DIR="$PWD" KONTENA_MASTER_BIN="$PWD/$build/bin/kontena-master" KONTENA_AGENT_BIN="$PWD/$build/bin/kontena-agent" \
  "$build/tests/tst_fidelity" realHostsAgree > "$table.log" 2>&1
status=$?
grep '^SKIP' -A1 "$table.log" | sed -n 's/^SKIP *: TestFidelity::realHostsAgree(\(.*\)) \(.*\)/\1\t-\tskipped: \2/p' >> "$table"
printf '%-36s %10s  %s\n' scenario time result
sort "$table" | while IFS=$'\t' read -r name secs result; do printf '%-36s %10s  %s\n' "$name" "$secs" "$result"; done
rm -f "$table" "$table.log"
exit $status
