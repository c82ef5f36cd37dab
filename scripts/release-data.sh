#!/usr/bin/env bash
# Releases a kept environment's data to the next destroy: its snapshot
# bucket(s) and KMS key(s), which prevent_destroy otherwise keeps from any
# plan that would destroy them, move in the state to their disposable
# variants. Nothing in AWS changes. Afterwards, empty the bucket(s) and run
# scripts/destroy.sh ENV; do not deploy ENV again (a deploy would now replace
# the bucket and key).
#
#   scripts/release-data.sh prod      # or prod-dr
#
# Asks for the environment's name on a terminal; without one,
# CONFIRM_DESTROY=<env> must say it. Same environment variables as deploy.sh.
set -euo pipefail
. "$(dirname "$0")/lib/terraform-init.sh"
env=${1:-}
if [ "${CONFIRM_DESTROY:-}" != "$env" ]; then
    answer=
    [ -t 0 ] && read -r -p "Release $env's snapshots and key to deletion? Type its name to confirm: " answer
    if [ "$answer" != "$env" ]; then
        echo "not releasing $env: confirm with its name (or CONFIRM_DESTROY=$env)" >&2
        exit 1
    fi
fi
terraform_init "$env"
kept=$(terraform -chdir="$dir" state list | grep -E '\.(aws_s3_bucket|aws_kms_key|aws_kms_replica_key)\.this\[0\]$' || true)
[ -n "$kept" ] || { echo "$env keeps no data in its state"; exit 0; }
for address in $kept; do
    terraform -chdir="$dir" state mv -no-color "$address" "${address%.this\[0\]}.disposable[0]"
done
echo "released: the next scripts/destroy.sh $env deletes these once the bucket(s) are empty"
