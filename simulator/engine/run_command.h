#pragma once
// `kontena-sim run` and `kontena-sim explore` on top of the engine.

#include "simulator/scenario_args.h"

namespace kontena::sim {

// Runs every file; prints summaries (stdout), failures, and writes the
// report/timeline when asked. Exit status per the spec: 0 all checks hold,
// 1 a check failed, 2 a file is not a valid scenario (nothing is run).
int runCommand(const RunOptions& options);

// Runs the scenario once per seed with random extra faults, checking the
// safety invariants after every step, then heals and requires convergence.
// Prints the command that reproduces a failing seed. Exit 0 / 1 / 2.
int exploreCommand(const ExploreOptions& options);

// Builds the rehearsal scenario from a live grid's state (what_if.h),
// writes it (--write, or a temporary file) and runs it like `run`.
// Exit 0 / 1 as `run`; 2 when the grid state cannot be read.
int whatIfCommand(const WhatIfOptions& options);

}  // namespace kontena::sim
