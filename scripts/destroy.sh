#!/usr/bin/env bash
# Tears one environment down: terraform init, destroy.
#
#   scripts/destroy.sh dev        # dev's data is disposable: the bucket is emptied, versions included
#   scripts/destroy.sh prod       # refused before anything changes: prod's bucket and key have prevent_destroy
#   scripts/destroy.sh prod-dr    # likewise, for both regions' buckets and keys
#   scripts/destroy.sh bootstrap  # refused: the state bucket has prevent_destroy
#   scripts/destroy.sh bootstrap-region REGION  # resets API Gateway's logging role there (provider 6.x)
#
# Only dev is destroyed without a question. Any other environment asks for
# its name on a terminal; without one, CONFIRM_DESTROY=<env> must say it.
# Retiring prod and its data is scripts/retire.sh (docs/operations.md).
#
# Same environment variables as scripts/deploy.sh.
set -euo pipefail
. "$(dirname "$0")/lib/terraform-init.sh"
env=${1:-}
if [ "$env" != dev ]; then
    if [ "${CONFIRM_DESTROY:-}" != "$env" ]; then
        if [ -t 0 ]; then
            read -r -p "Destroy $env? Type its name to confirm: " answer
        else
            answer=
        fi
        if [ "$answer" != "$env" ]; then
            echo "not destroying $env: confirm with its name (or CONFIRM_DESTROY=$env)" >&2
            exit 1
        fi
    fi
fi
terraform_init "$env" "${2:-}"
# A kept environment's released data is deleted by scripts/retire.sh alone,
# bucket first: a plain destroy would take its protections off first.
if [ "$env" != dev ] && terraform -chdir="$dir" state list | grep -qE '\.aws_s3_bucket\.disposable\[0\]$'; then
    echo "$env's data was released: scripts/retire.sh $env finishes retiring it" >&2
    exit 1
fi
terraform -chdir="$dir" destroy -input=false -no-color -auto-approve
