"""Calling s3-latest from Python: fetch the newest snapshot, then revalidate
it with its ETag (a 304 costs the service one conditional GET and no
decryption).

    S3_LATEST_API_KEY=<key> python retrieve.py <retrieve URL>     # an API key
    python retrieve.py --sigv4 <retrieve URL>                     # IAM (SigV4)

SigV4 signs with botocore, from the usual AWS credentials and AWS_REGION.
Needs `requests` (and `botocore` for --sigv4).
"""

import json
import os
import sys

import requests


def signed_headers(url, headers):
    """The headers of a SigV4-signed GET of `url` for API Gateway (execute-api)."""
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = botocore.session.Session().get_credentials()
    request = AWSRequest(method="GET", url=url, headers=headers)
    SigV4Auth(credentials, "execute-api", os.environ.get("AWS_REGION", "us-east-1")).add_auth(request)
    return dict(request.headers)


def get(url, sigv4, extra=None):
    headers = dict(extra or {})
    if os.environ.get("S3_LATEST_API_KEY"):
        headers["x-api-key"] = os.environ["S3_LATEST_API_KEY"]
    if sigv4:
        headers = signed_headers(url, headers)
    return requests.get(url, headers=headers, timeout=10)


def main(argv):
    sigv4 = "--sigv4" in argv
    url = [a for a in argv[1:] if a != "--sigv4"][0]
    response = get(url, sigv4)
    if response.status_code != 200:
        # Every error is {"error":{"code","message","request_id"}}.
        error = response.json()["error"]
        sys.exit(f"{response.status_code}: {error['code']} (request {error['request_id']})")
    etag = response.headers["ETag"]
    again = get(url, sigv4, {"If-None-Match": etag})
    print(
        json.dumps(
            {
                "key": response.headers["X-Object-Key"],
                "etag": etag,
                "content_type": response.headers["Content-Type"],
                "bytes": len(response.content),
                "revalidated": again.status_code,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv)
