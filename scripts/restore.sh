#!/usr/bin/env bash
# Puts a snapshot back, as it was: same bytes, Content-Type and metadata
# (the encryption envelope and ingest's marker travel in the metadata), so
# retrieve authenticates and serves it as before. Snapshots are written
# once: the bucket policy refuses any write under the prefix that could
# replace an object, and any writer but ingest and `snapshot_writers`.
#
#   scripts/restore.sh undelete BUCKET KEY
#       KEY was deleted (its newest version is a delete marker): the marker
#       is removed, and the version under it is current again. Needs
#       s3:ListBucketVersions and s3:DeleteObjectVersion; writes nothing.
#   scripts/restore.sh copy FROM_BUCKET BUCKET KEY [VERSION_ID]
#       KEY is gone from BUCKET (every version): it is written back from a
#       copy (the standby's bucket, a backup), in one PutObject with
#       If-None-Match: * (up to 5 GB; snapshots are at most 200 MB). Run it
#       as a principal in `snapshot_writers`.
#
# Needs the AWS CLI and jq; AWS_* variables choose the account and region.
set -euo pipefail
usage() {
    echo "usage: $(basename "$0") undelete BUCKET KEY | copy FROM_BUCKET BUCKET KEY [VERSION_ID]" >&2
    exit 2
}
case "${1:-}" in
    undelete)
        [ $# -eq 3 ] || usage
        bucket=$2 key=$3
        marker=$(aws s3api list-object-versions --bucket "$bucket" --prefix "$key" --output json |
            jq -r --arg key "$key" '[.DeleteMarkers[]? | select(.Key == $key and .IsLatest)][0].VersionId // empty')
        [ -n "$marker" ] || { echo "$key in $bucket is not deleted: nothing to undo" >&2; exit 1; }
        aws s3api delete-object --bucket "$bucket" --key "$key" --version-id "$marker" >/dev/null
        echo "restored $key in $bucket (removed delete marker $marker)"
        ;;
    copy)
        [ $# -eq 4 ] || [ $# -eq 5 ] || usage
        from=$2 bucket=$3 key=$4 version=${5:-}
        work=$(mktemp -d)
        trap 'rm -rf "$work"' EXIT
        args=(--bucket "$from" --key "$key")
        [ -n "$version" ] && args+=(--version-id "$version")
        aws s3api get-object "${args[@]}" "$work/body" --output json >"$work/head.json"
        aws s3api put-object --bucket "$bucket" --key "$key" --body "$work/body" \
            --content-type "$(jq -r '.ContentType' "$work/head.json")" \
            --metadata "$(jq -c '.Metadata // {}' "$work/head.json")" \
            --if-none-match '*' --output json >/dev/null
        echo "restored $key in $bucket from $from"
        ;;
    *) usage ;;
esac
