#!/usr/bin/env bash
# Deploys one environment: terraform init, validate, plan, apply.
#
#   scripts/deploy.sh bootstrap                # once per account: state bucket, API Gateway logging role
#   scripts/deploy.sh bootstrap-region REGION  # once per other region an environment runs in
#   scripts/deploy.sh dev                      # or prod: state in the bootstrap bucket, under the bootstrap key
#   scripts/deploy.sh prod-dr                  # two regions, active-standby (docs/disaster-recovery.md)
#
# Environment: TF_PLUGIN_DIR installs providers from a local mirror instead
# of the registry; S3_LATEST_ROOT points at another copy of env/ and modules/
# (the deploy test uses both); TF_VAR_* sets any input.
set -euo pipefail
. "$(dirname "$0")/lib/terraform-init.sh"
terraform_init "${1:-}" "${2:-}"
# The plan file holds every input and generated secret (the API key) in
# clear: it never outlives this script, whether apply succeeds or not.
plan="$dir/tfplan"
trap 'rm -f "$plan"' EXIT
terraform -chdir="$dir" validate -no-color
terraform -chdir="$dir" plan -input=false -no-color -out=tfplan
terraform -chdir="$dir" apply -input=false -no-color tfplan
if [ "$1" = bootstrap ]; then
    bootstrap_migrate_state
fi
