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
# Retiring prod's data is a deliberate, separate step (docs/deploy.md).
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
terraform -chdir="$dir" destroy -input=false -no-color -auto-approve
