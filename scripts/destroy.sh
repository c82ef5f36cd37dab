#!/usr/bin/env bash
# Tears one environment down: terraform init, destroy.
#
#   scripts/destroy.sh dev        # dev's bucket has force_destroy: it is emptied, versions included
#   scripts/destroy.sh prod       # refused while prod's bucket holds objects (force_destroy = false)
#   scripts/destroy.sh prod-dr    # likewise, for both regions' buckets
#   scripts/destroy.sh bootstrap  # refused: the state bucket has prevent_destroy
#
# Same environment variables as scripts/deploy.sh.
set -euo pipefail
. "$(dirname "$0")/lib/terraform-init.sh"
terraform_init "${1:-}"
terraform -chdir="$dir" destroy -input=false -no-color -auto-approve
