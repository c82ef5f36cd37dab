#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need (moto and
# the Amazon S3 Encryption Client, into .venv) and then runs every check.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Python test peers (.venv)"
stamp=.venv/.requirements.sha256
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
    echo "$want" > "$stamp"
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build (the binary tests start the real ingest and retrieve executables)"
cargo build --workspace --locked

step "unit, integration and end-to-end tests"
cargo test --workspace --locked
