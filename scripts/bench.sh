#!/usr/bin/env bash
# The benchmark: builds the release Lambda zips (for cold start and
# footprint) and runs the benchmark program, which prints the table the
# README shows and writes bench-results/latest.{json,svg,md}.
# Extra arguments go to the program (see --help), e.g. --sizes 10,1000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/package.sh
cargo run --release --locked -p s3-latest-bench -- "$@"
