#!/usr/bin/env bash
# Builds the Lambda zips where env/*/ expects them:
#   target/lambda/{ingest,retrieve,authorizer}/bootstrap.zip
# (the authorizer is deployed only with rest_api_authorization = "JWT").
# cargo-lambda (with zig for cross-linking) comes from PyPI into .venv.
# Pass --arm64 for Graviton (then set architecture = "arm64").
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -x .venv/bin/cargo-lambda ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
fi
export PATH="$PWD/.venv/bin:$PATH"
cargo lambda build --release --output-format zip --bin ingest --bin retrieve --bin authorizer "$@"
ls -l target/lambda/{ingest,retrieve,authorizer}/bootstrap.zip
