"""The OpenAPI contract against the code.

    check.py ROOT

1. docs/openapi.yaml validates as OpenAPI 3.1 (openapi-spec-validator).
2. The (status, code) pairs it lists (the `code` enum of each error response's
   schema) are
   exactly the ones that can be answered: the handler's
   (functions/s3-latest/src/retrieve/http/), API Gateway's own gateway
   responses (modules/api_gateway/main.tf) and local mode's request limit
   (functions/local/src/runner.rs).
"""

import http
import json
import re
import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate


def spec_codes(spec):
    components = spec["components"]["responses"]
    found = set()
    for path in spec["paths"].values():
        for method, operation in path.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = components[response["$ref"].rsplit("/", 1)[1]]
                for media in response.get("content", {}).values():
                    schema = media.get("schema", {})
                    if "$ref" not in schema:
                        continue
                    named = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                    code = named.get("properties", {}).get("error", {}).get("properties", {}).get("code", {})
                    for value in code.get("enum", []):
                        found.add((int(status), value))
    return found


def handler_codes(root):
    found = set()
    for source in (root / "functions/s3-latest/src/retrieve").rglob("*.rs"):
        text = source.read_text()
        for name, code in re.findall(r'(?:S|StatusCode)::([A-Z_]+),\s*"([A-Za-z]+)"', text):
            found.add((http.HTTPStatus[name].value, code))
    return found


def gateway_codes(root):
    text = (root / "modules/api_gateway/main.tf").read_text()
    found = set()
    for status, code in re.findall(r'status = (?:"(\d+)"|null), code = "([A-Za-z]+)"', text):
        # DEFAULT_4XX and DEFAULT_5XX keep API Gateway's status: listed
        # under 400 and 502, the statuses they stand for in the contract.
        found.add((int(status) if status else (400 if code == "BadRequest" else 502), code))
    return found


def runner_codes(root):
    text = (root / "functions/local/src/runner.rs").read_text()
    return {(int(s), c) for s, c in re.findall(r'(\d{3}),\s*"([A-Za-z]+)",', text)}


def main(root):
    root = Path(root)
    spec = yaml.safe_load((root / "docs/openapi.yaml").read_text())
    validate(spec)
    listed = spec_codes(spec)
    handler, gateway, runner = handler_codes(root), gateway_codes(root), runner_codes(root)
    assert len(handler) >= 12, handler
    assert len(gateway) >= 6, gateway
    answerable = handler | gateway | runner
    report = {
        "listed": len(listed),
        "unlisted": sorted(answerable - listed),
        "never answered": sorted(listed - answerable),
    }
    print(json.dumps(report, indent=1))
    if report["unlisted"] or report["never answered"]:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
