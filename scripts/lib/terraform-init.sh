# terraform_init ENV: checks ENV and runs `terraform init` in it; sets `dir`
# to the environment's directory. dev, prod and prod-dr keep state in the bootstrap
# bucket, encrypted under the bootstrap KMS key (the backend's kms_key_id;
# without it S3 would use SSE-S3), with S3-native locking. Providers come
# from TF_PLUGIN_DIR when it is set; S3_LATEST_ROOT names another copy of
# env/ and modules/.
terraform_init() {
    local env=$1 root args=(-input=false -no-color)
    root=${S3_LATEST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    dir="$root/env/$env"
    case "$env" in
        bootstrap | dev | prod | prod-dr) ;;
        *) echo "usage: $(basename "$0") bootstrap|dev|prod|prod-dr" >&2; exit 2 ;;
    esac
    [ -d "$dir" ] || { echo "no environment $dir" >&2; exit 2; }
    [ -n "${TF_PLUGIN_DIR:-}" ] && args+=("-plugin-dir=$TF_PLUGIN_DIR")
    if [ "$env" != bootstrap ]; then
        local bootstrap="$root/env/bootstrap"
        args+=(
            "-backend-config=bucket=$(terraform -chdir="$bootstrap" output -raw state_bucket)"
            "-backend-config=region=$(terraform -chdir="$bootstrap" output -raw region)"
            "-backend-config=kms_key_id=$(terraform -chdir="$bootstrap" output -raw state_kms_key_arn)"
            "-backend-config=key=s3-latest/$env.tfstate"
        )
    fi
    terraform -chdir="$dir" init "${args[@]}"
}
