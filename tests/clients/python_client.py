"""A client generated from docs/openapi.yaml by openapi-python-client, used
as a consumer would use it, against local mode.

    python_client.py PACKAGE_PARENT BASE_URL CASE [EXPECTED_FILE [CONTENT_TYPE]]

PACKAGE_PARENT holds the generated package `s3_latest_client`. CASE is
`empty` (no snapshot yet) or a snapshot's kind (json, text, binary) whose
bytes are EXPECTED_FILE. Every call goes through the generated functions;
nothing here reaches around them (no private helpers, no casts).
"""

import base64
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])

from s3_latest_client import Client  # noqa: E402
from s3_latest_client.api.default import (  # noqa: E402
    head_most_recent_object,
    health,
    retrieve_most_recent_object,
    retrieve_most_recent_object_json,
)
from s3_latest_client.models import (  # noqa: E402
    Health,
    HealthStatus,
    JsonView,
    JsonViewEncoding,
    NotFoundError,
    NotFoundErrorErrorCode,
)
from s3_latest_client.types import File  # noqa: E402


def main(base_url, case, expected=None, content_type=None):
    client = Client(base_url=base_url)

    if case == "empty":
        answer = retrieve_most_recent_object.sync_detailed(client=client)
        assert answer.status_code == 404, answer
        error = answer.parsed
        assert isinstance(error, NotFoundError), error
        assert error.error.code is NotFoundErrorErrorCode.NOOBJECTS, error
        view = retrieve_most_recent_object_json.sync(client=client)
        assert isinstance(view, NotFoundError), view
        verdict = health.sync_detailed(client=client)
        assert verdict.status_code == 503 and isinstance(verdict.parsed, Health), verdict
        assert verdict.parsed.status is HealthStatus.UNAVAILABLE
        return

    want = Path(expected).read_bytes()
    raw = retrieve_most_recent_object.sync_detailed(client=client)
    assert raw.status_code == 200, raw
    assert isinstance(raw.parsed, File), raw.parsed
    assert raw.parsed.payload.read() == want, "the raw representation is the snapshot's bytes"
    assert raw.headers["content-type"] == content_type, raw.headers

    view = retrieve_most_recent_object_json.sync(client=client)
    assert isinstance(view, JsonView), view
    assert view.size == len(want) and view.content_type == content_type, view
    body = base64.b64decode(view.body) if view.encoding is JsonViewEncoding.BASE64 else view.body.encode()
    assert body == want, "the JSON view's body is the snapshot"
    assert view.etag == raw.headers["etag"], (view.etag, raw.headers)

    again = retrieve_most_recent_object.sync_detailed(client=client, if_none_match=view.etag)
    assert again.status_code == 304 and again.content == b"", again

    head = head_most_recent_object.sync_detailed(client=client)
    assert head.status_code == 200 and head.content == b"", head
    assert head.headers["etag"] == view.etag and head.headers["x-object-key"] == view.key

    verdict = health.sync(client=client)
    assert isinstance(verdict, Health) and verdict.status is HealthStatus.OK, verdict


if __name__ == "__main__":
    main(*sys.argv[2:])
    print("python client: ok")
