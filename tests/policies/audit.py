"""Audits rendered IAM, key, bucket, queue and topic policies with parliament.

    audit.py POLICIES.json

POLICIES.json maps a label ("<env> <resource address> <attribute>") to a
policy document, as the deploy test extracts them from `terraform show
-json` of each applied environment. Every finding parliament reports fails
the audit unless tests/policies/reviewed.json suppresses it: one issue, a
label pattern and optionally a detail pattern, with a reason. Before the real
audit, a policy with a misspelt action must be reported, so an auditor that
finds nothing cannot pass by accident.
"""

import fnmatch
import json
import os
import sys

from parliament import analyze_policy_string, enhance_finding

REVIEWED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reviewed.json")


def findings(document):
    policy = analyze_policy_string(json.dumps(document), ignore_private_auditors=True)
    return [enhance_finding(f) for f in policy.findings]


def main(path):
    canary = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}
    assert any(f.issue == "UNKNOWN_ACTION" for f in findings(canary)), "parliament reports nothing: broken auditor"

    policies = json.load(open(path))
    reviewed = json.load(open(REVIEWED))
    failures = []
    total = 0
    for label, document in sorted(policies.items()):
        for finding in findings(document):
            total += 1
            match = next(
                (
                    r
                    for r in reviewed
                    if r["issue"] == finding.issue
                    and fnmatch.fnmatch(label, r["label"])
                    and fnmatch.fnmatch(str(finding.detail), r.get("detail", "*"))
                ),
                None,
            )
            if match is None:
                failures.append(f"{label}: {finding.issue} ({finding.severity}) {finding.title} {finding.detail}")
    print(f"parliament: {len(policies)} policies, {total} findings, {total - len(failures)} reviewed, {len(failures)} not")
    for failure in failures:
        print("  FINDING", failure)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
