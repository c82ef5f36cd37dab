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
# (the deploy test uses both); TF_VAR_* sets any input. A plan that would
# delete a snapshot bucket or a KMS key is refused (scripts/lib/apply.sh).
set -euo pipefail
. "$(dirname "$0")/lib/terraform-init.sh"
. "$(dirname "$0")/lib/apply.sh"
terraform_init "${1:-}" "${2:-}"
apply_keeping_data
if [ "$1" = bootstrap ]; then
    bootstrap_migrate_state
fi
