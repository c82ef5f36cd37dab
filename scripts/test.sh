#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need into
# virtualenvs (.venv: moto, the Amazon S3 Encryption Client, cargo-lambda;
# .venv-checkov: checkov) and then runs every check.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time, printed as a table at the end, so a slower run
# shows which step grew.
timings=()
step_name='' step_started=$SECONDS
step_done() {
    [ -z "$step_name" ] || timings+=("$(printf '%6d s  %s' $((SECONDS - step_started)) "$step_name")")
}
step() { step_done; step_name=$*; step_started=$SECONDS; printf '\n==> %s\n' "$*"; }

# A clean clone builds everything once, so incremental caches are only disk.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
disk() { echo "disk: target/ $(du -sh target 2>/dev/null | cut -f1), free $(df -h --output=avail . | tail -1 | tr -d ' ')"; }
disk

# venv DIR REQUIREMENTS: (re)creates DIR when REQUIREMENTS changed.
venv() {
    local dir=$1 requirements=$2 stamp="$1/.requirements.sha256" want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ ! -x "$dir/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        python3 -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
        echo "$want" > "$stamp"
    fi
}

step "Python tools (.venv, .venv-checkov)"
venv .venv tests/requirements.txt
venv .venv-checkov tests/requirements-checkov.txt

# The generated TypeScript client and Redocly (functions/local/tests/):
# exactly the versions in package-lock.json.
step "Node tools (tests/clients/typescript: npm ci)"
(cd tests/clients/typescript && npm ci --no-audit --no-fund --loglevel=error)

# tool CRATE@VERSION: builds a checker once into .cache/tools. Without LTO
# and at opt-level 1: a checker that runs for a second is not worth a
# full release build (cargo-deny: 81 s instead of 129 s on 2 cores).
tool() {
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        cargo install --quiet --locked --root .cache/tools "$1"
}

# No unused dependencies: cargo-machete.
step "cargo-machete (unused dependencies)"
machete=.cache/tools/bin/cargo-machete
if [ ! -x "$machete" ] || [ "$("$machete" --version 2>/dev/null)" != "0.9.2" ]; then
    tool cargo-machete@0.9.2
fi
"$machete"

# Licenses, bans and sources (deny.toml); advisories need the RustSec
# database, which this machine cannot fetch (docs/testing.md).
step "cargo-deny (licenses, bans, sources)"
deny=.cache/tools/bin/cargo-deny
if [ ! -x "$deny" ] || [ "$("$deny" --version 2>/dev/null)" != "cargo-deny 0.20.2" ]; then
    tool cargo-deny@0.20.2
fi
"$deny" check licenses bans sources

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "terraform fmt -check"
command -v terraform >/dev/null || { echo "terraform is not installed: it is needed for terraform fmt -check" >&2; exit 1; }
terraform fmt -check -recursive -diff

# One directory per run: a combined `-d modules -d env` scan once reported 0
# failed checks while env/bootstrap alone had 3.
# Two at a time (a scan is one busy core for about 4 s); each report is
# printed whole, in order, and any failed directory fails the step.
step "checkov (offline), each Terraform directory on its own"
reports=$(mktemp -d)
scanned=()
for dir in modules/* env/*; do
    [ -d "$dir" ] || continue
    scanned+=("$dir")
    report="$reports/${dir//\//_}"
    (
        status=0
        .venv-checkov/bin/checkov -d "$dir" --framework terraform \
            --skip-download --download-external-modules false --compact --quiet >"$report" 2>&1 || status=$?
        echo "$status" >"$report.status"
    ) &
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
done
wait
unclean=0
for dir in "${scanned[@]}"; do
    report="$reports/${dir//\//_}"
    echo "-- $dir"
    cat "$report"
    [ "$(cat "$report.status")" = 0 ] || { echo "checkov failed on $dir" >&2; unclean=1; }
done
rm -rf "$reports"
[ "$unclean" = 0 ]

# The deploy test runs the 5.100 provider on this machine; users get 6.x from
# the registry. @cdktn/provider-aws 25.7.0 carries the hashicorp/aws 6.66.0
# schema, fetched once from npm into .cache/.
step "Terraform arguments against the hashicorp/aws 6.x schema"
schema=.cache/cdktn-provider-aws-25.7.0.jsii
if [ ! -s "$schema" ]; then
    mkdir -p .cache
    tarball=$(cd .cache && npm pack --silent @cdktn/provider-aws@25.7.0)
    tar -xzf ".cache/$tarball" -C .cache package/.jsii
    mv .cache/package/.jsii "$schema"
    rm -rf ".cache/$tarball" .cache/package
fi
.venv/bin/python tests/terraform/provider6_arguments.py "$schema" modules env

step "Lambda zips (cargo lambda build --release --output-format zip)"
scripts/package.sh

# --all-targets: the test targets' dev-dependencies turn on SDK features, and
# building the binaries with the same features lets `cargo test` below reuse
# everything (one 131 s build instead of 101 s, then 72 s more).
step "build (the binary tests start the real ingest and retrieve executables)"
cargo build --workspace --all-targets --locked
disk

# The reliability tests run on their own below, so their figures are printed.
reliability=(under_injected_faults a_crash_mid_ingest a_soak_of)
step "unit, integration, end-to-end, Terraform wiring and packaging tests"
cargo test --workspace --locked -- "${reliability[@]/#/--skip=}"

step "reliability: fault injection, crash, soak (SOAK_SECONDS=${SOAK_SECONDS:-120}; figures below)"
# --workspace, as above: `-p s3-latest-local` alone would unify features
# differently and rebuild the whole dependency tree (about 5 minutes).
cargo test --workspace --locked --test faults --test end_to_end -- --nocapture "${reliability[@]}"
disk
step_done
printf '\n==> wall time per step (total %d s)\n' "$SECONDS"
printf '%s\n' "${timings[@]}"
