#!/usr/bin/env bash
# Fuzzes the stack-file pipeline (stacks/fuzz) with clang's libFuzzer for a
# bounded time. Builds in its own tree, build-fuzz/ (CXX=clang++,
# -DKONTENA_FUZZ=ON -DKONTENA_ONLY="scheduler;stacks"), seeds from
# ../shared/corpus, and exits non-zero if the fuzzer finds a crash, a leak
# or a hang (a reproducer is left in build-fuzz/fuzz-artifacts/).
#
# Usage: scripts/fuzz-stacks.sh [SECONDS]      (default 60, or $FUZZ_SECONDS)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"
shared="${KONTENA_SHARED_DIR:-$(pwd)/../shared}"
jobs=$(nproc)

echo "== stack fuzzer (libFuzzer, ${seconds}s)"
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKONTENA_FUZZ=ON -DKONTENA_ONLY="scheduler;stacks" -DKONTENA_SHARED_DIR="$shared" >/dev/null
cmake --build build-fuzz --target fuzz_stacks -j "$jobs"

seeds=build-fuzz/fuzz-seeds
rm -rf "$seeds"
mkdir -p "$seeds" build-fuzz/fuzz-corpus build-fuzz/fuzz-artifacts
cp "$shared"/corpus/kontena-stacks/*.yml "$shared"/corpus/fixtures/*.yml "$seeds"/

build-fuzz/bin/fuzz_stacks -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=16384 -dict=stacks/fuzz/stack.dict -print_final_stats=1 \
  -artifact_prefix=build-fuzz/fuzz-artifacts/ build-fuzz/fuzz-corpus "$seeds"
