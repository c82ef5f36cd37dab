#!/usr/bin/env bash
# Retires a kept environment and deletes its data, in an order that never
# leaves data unprotected. Resumable: after a failure (usually, a bucket
# that still holds objects), run it again.
#
#   scripts/retire.sh prod      # or prod-dr
#
# 1. Writers stop: ingest's schedule and event rule are disabled, its
#    concurrency is 0, and the bucket policy denies every object write
#    (TF_VAR_retiring=true). Then it waits out an in-flight invocation
#    (ingest's timeout; RETIRE_DRAIN_SECONDS overrides it).
# 2. The bucket(s) and key(s) move in the state to their disposable
#    variants, which prevent_destroy does not hold (nothing in AWS changes),
#    and the bucket's policy, public-access block, encryption, versioning,
#    lifecycle, logging and replication leave the state: S3 deletes them
#    with the bucket, and until then they stay exactly as they are.
# 3. The bucket(s) are deleted, alone: S3 refuses while any object version
#    or delete marker remains, and then nothing else has changed.
# 4. Everything else is destroyed, the key(s) last: scheduled for deletion
#    only once no bucket holds anything they encrypted.
#
# Empty the bucket(s) between 1 and 3 (docs/operations.md, "Retire an
# environment"). Asks for the environment's name on a terminal; without
# one, CONFIRM_DESTROY=<env> must say it. Same environment variables as
# deploy.sh.
set -euo pipefail
. "$(dirname "$0")/lib/terraform-init.sh"
. "$(dirname "$0")/lib/apply.sh"
env=${1:-}
case "$env" in
    prod | prod-dr) ;;
    *) echo "usage: $(basename "$0") prod|prod-dr (scripts/destroy.sh tears down dev)" >&2; exit 2 ;;
esac
if [ "${CONFIRM_DESTROY:-}" != "$env" ]; then
    answer=
    [ -t 0 ] && read -r -p "Retire $env and delete its snapshots and key? Type its name to confirm: " answer
    if [ "$answer" != "$env" ]; then
        echo "not retiring $env: confirm with its name (or CONFIRM_DESTROY=$env)" >&2
        exit 1
    fi
fi
terraform_init "$env"
state() { terraform -chdir="$dir" state list; }

kept=$(state | grep -E '\.(aws_s3_bucket|aws_kms_key|aws_kms_replica_key)\.this\[0\]$' || true)
if [ -n "$kept" ]; then
    echo "== 1. stopping every writer"
    TF_VAR_retiring=true apply_keeping_data
    drain=${RETIRE_DRAIN_SECONDS:-$(terraform -chdir="$dir" output -raw ingest_timeout_seconds)}
    echo "waiting ${drain}s for an invocation already running"
    sleep "$drain"
    echo "== 2. releasing the data to deletion"
    for address in $kept; do
        terraform -chdir="$dir" state mv -no-color "$address" "${address%.this\[0\]}.disposable[0]"
    done
fi
for address in $(state | grep -E '\.aws_s3_bucket_[a-z_]+\.[a-z_]+(\[[0-9]+\])?$' || true); do
    terraform -chdir="$dir" state rm -no-color "$address"
done

buckets=$(state | grep -E '\.aws_s3_bucket\.disposable\[0\]$' || true)
if [ -n "$buckets" ]; then
    echo "== 3. deleting the bucket(s)"
    targets=()
    for address in $buckets; do targets+=("-target=$address"); done
    if ! TF_VAR_retiring=true terraform -chdir="$dir" destroy -input=false -no-color -auto-approve "${targets[@]}"; then
        echo "a bucket still holds objects: empty every version and delete marker (docs/operations.md), then run scripts/retire.sh $env again. Its policy, public-access block, encryption and versioning are all still on, and the key is untouched." >&2
        exit 1
    fi
fi
echo "== 4. destroying the rest, the key(s) last"
TF_VAR_retiring=true terraform -chdir="$dir" destroy -input=false -no-color -auto-approve
echo "retired: $env"
