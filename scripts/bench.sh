#!/usr/bin/env bash
# The benchmark: builds the release Lambda zips (for cold start and
# footprint), runs the benchmark program, and puts its table into
# docs/performance.md between the BEGIN_BENCH/END_BENCH markers (never into
# README.md). Outputs: bench-results/latest.{md,json,svg}.
# Extra arguments go to the program (see --help), e.g. --sizes 10,1000.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in
        -h | --help) exec cargo run --quiet --release --locked -p s3-latest-bench -- --help ;;
    esac
done
scripts/package.sh
cargo build --release --locked -p s3-latest-local   # the large-snapshot row runs the local runner
cargo run --release --locked -p s3-latest-bench -- "$@"

awk -v table=bench-results/latest.md '
    /<!-- BEGIN_BENCH -->/ { print; while ((getline line < table) > 0) print line; skipping = 1; next }
    /<!-- END_BENCH -->/   { skipping = 0 }
    !skipping
' docs/performance.md > docs/performance.md.tmp && mv docs/performance.md.tmp docs/performance.md
echo "docs/performance.md updated from bench-results/latest.md"
