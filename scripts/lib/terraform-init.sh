# terraform_init ROOT ENV: `terraform init` for one environment. dev and prod
# keep state in the bootstrap bucket, encrypted under the bootstrap KMS key
# (the backend's kms_key_id; without it S3 would use SSE-S3), with S3-native
# locking. Providers come from TF_PLUGIN_DIR when it is set.
terraform_init() {
    local root=$1 env=$2 args=(-input=false -no-color)
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
    terraform -chdir="$root/env/$env" init "${args[@]}"
}
