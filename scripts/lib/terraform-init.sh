# terraform_init ENV [REGION]: checks ENV and runs `terraform init` in it;
# sets `dir` to the environment's directory.
#
# Every state lives in the bootstrap bucket, encrypted under the bootstrap
# KMS key (the backend's kms_key_id; without it S3 would use SSE-S3), with
# S3-native locking. env/backend.hcl names the bucket: scripts/deploy.sh
# bootstrap writes it once it has moved its own first, local state there.
# bootstrap-region takes the REGION it sets up; its state key names it.
#
# Providers come from TF_PLUGIN_DIR when it is set; S3_LATEST_ROOT names
# another copy of env/ and modules/.
terraform_init() {
    local env=$1 region=${2:-} root key args=(-input=false -no-color)
    root=${S3_LATEST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    dir="$root/env/$env"
    backend_config="$root/env/backend.hcl"
    local_backend="$dir/local_backend_override.tf"
    case "$env" in
        bootstrap | dev | prod | prod-dr) key="s3-latest/$env.tfstate" ;;
        bootstrap-region)
            [ -n "$region" ] || { echo "usage: $(basename "$0") bootstrap-region REGION" >&2; exit 2; }
            export TF_VAR_region=$region
            key="s3-latest/bootstrap-region/$region.tfstate"
            ;;
        *) echo "usage: $(basename "$0") bootstrap|bootstrap-region REGION|dev|prod|prod-dr" >&2; exit 2 ;;
    esac
    [ -d "$dir" ] || { echo "no environment $dir" >&2; exit 2; }
    [ -n "${TF_PLUGIN_DIR:-}" ] && args+=("-plugin-dir=$TF_PLUGIN_DIR")
    if [ -f "$backend_config" ]; then
        rm -f "$local_backend"
        args+=("-backend-config=$backend_config" "-backend-config=key=$key")
    elif [ "$env" = bootstrap ]; then
        # The first bootstrap: the bucket does not exist yet, so state starts
        # local (an override file replaces the backend block) and
        # bootstrap_migrate_state moves it after apply.
        printf 'terraform {\n  backend "local" {}\n}\n' >"$local_backend"
    else
        echo "no $backend_config: run scripts/deploy.sh bootstrap first" >&2
        exit 2
    fi
    terraform -chdir="$dir" init "${args[@]}"
}

# After the first bootstrap apply: writes env/backend.hcl from the outputs
# and moves the local state into the bucket under s3-latest/bootstrap.tfstate.
bootstrap_migrate_state() {
    [ -f "$local_backend" ] || return 0
    {
        echo "# Written by scripts/deploy.sh bootstrap: where every environment's state lives."
        echo "bucket     = \"$(terraform -chdir="$dir" output -raw state_bucket)\""
        echo "region     = \"$(terraform -chdir="$dir" output -raw region)\""
        echo "kms_key_id = \"$(terraform -chdir="$dir" output -raw state_kms_key_arn)\""
    } >"$backend_config.tmp"
    mv "$backend_config.tmp" "$backend_config"
    rm -f "$local_backend"
    local args=(-input=false -no-color -migrate-state -force-copy
        "-backend-config=$backend_config" "-backend-config=key=s3-latest/bootstrap.tfstate")
    [ -n "${TF_PLUGIN_DIR:-}" ] && args+=("-plugin-dir=$TF_PLUGIN_DIR")
    terraform -chdir="$dir" init "${args[@]}"
    # The bucket holds the state now; a local copy would only go stale.
    rm -f "$dir/terraform.tfstate" "$dir/terraform.tfstate.backup"
    echo "bootstrap state moved to the bucket; commit env/backend.hcl"
}
