# apply_keeping_data: validate, plan, and apply the plan, unless it would
# delete a snapshot bucket or a KMS key. Needs `dir` (terraform_init sets it).
#
# A deploy never deletes data. The one plan that would, after
# scripts/retire.sh has released an environment's data, replaces the bucket
# and the key (their state moved to the disposable variants); only
# retire.sh goes on from there.
#
# The plan file holds every input and generated secret (the API key) in
# clear: it never outlives the calling script, whether apply succeeds or not.
apply_keeping_data() {
    plan="$dir/tfplan"
    trap 'rm -f "$plan"' EXIT
    terraform -chdir="$dir" validate -no-color
    terraform -chdir="$dir" plan -input=false -no-color -out=tfplan
    local deleted
    deleted=$(terraform -chdir="$dir" show -json tfplan | jq -r '
        .resource_changes[]?
        | select(.type == "aws_s3_bucket" or .type == "aws_kms_key" or .type == "aws_kms_replica_key")
        | select(.change.actions | index("delete"))
        | .address')
    if [ -n "$deleted" ]; then
        echo "refusing to apply: this plan deletes data:" >&2
        echo "$deleted" | sed 's/^/  /' >&2
        echo "If this environment's data was released, scripts/retire.sh finishes retiring it; it is never deployed again." >&2
        exit 1
    fi
    terraform -chdir="$dir" apply -input=false -no-color tfplan
}
