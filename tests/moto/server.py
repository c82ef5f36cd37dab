"""moto_server, with seven repairs the deploy, revocation and disaster-recovery tests need.

moto 5.2.5 gets these wrong; each is fixed here, and nothing else changes:

1. It writes the key id into its (moto-only) ciphertext blob in a fixed
   36-byte field, the length of a single-region key id. A multi-region id is
   "mrk-" plus a dashed UUID (40 characters), so it is cut short, and no
   ciphertext made under a multi-region key decrypts, in its own region or a
   replica's (AccessDeniedException). The field is widened to 40 bytes,
   NUL-padded and stripped on the way back; the blob stays moto's own format,
   opaque to every client.
2. ReplicateKey answers a key ARN (which AWS and Terraform's
   aws_kms_replica_key may send) with a 500.
3. Its replica is a shallow copy sharing the primary's multi-region
   configuration, so describing the replica turned the primary into a
   "REPLICA" too, and ReplicateKey ignores the Policy, Description and Tags
   it is sent (Terraform then waits forever for the replica's policy).
4. GetBucketReplication answers with a fixed empty Filter and disabled
   DeleteMarkerReplication, and drops SourceSelectionCriteria, whatever was
   put; here it returns the rule as stored, so the deploy test reads back
   what Terraform configured.
5. It evaluates a bucket policy without its conditions, so a TLS-only
   bucket (Deny when aws:SecureTransport is false) refuses every object
   request. The test's plain-http endpoint on 127.0.0.1 stands in for AWS's
   TLS endpoints, which every client here uses on AWS: a Deny whose only
   condition is aws:SecureTransport = false is left out of the evaluation.
   Every other statement is evaluated as moto does (without conditions).
6. Decrypt succeeds under a disabled key (or one pending deletion); AWS
   answers DisabledException or KMSInvalidStateException. Here it answers
   DisabledException (400), so revocation can be tested.
7. CreateRestApi drops binaryMediaTypes, and a patch that adds or removes
   one names the type in its path (/binaryMediaTypes/*~1*, as AWS and
   Terraform send it, with no value), where moto adds or removes the empty
   string. So every later plan re-adds */*, and re-applying an API fails on
   an inconsistent redeployment hash. Here both keep the types sent.
8. With identity policies checked (INITIAL_NO_AUTH_ACTION_COUNT), it
   recomputes the signature of a GET, HEAD or DELETE without a body over
   its parsed parameters instead of the empty payload the client signed, so
   every GET to API Gateway (GetRestApi, GetApiKeys, ...) answers
   SignatureDoesNotMatch whoever sends it. Here those are signed as empty.
9. CreateAuthorizer passes identityValidationExpression on under a
   misspelt name (identiy_...), so the authorizer never keeps it and every
   later plan finds it changed. Here it is kept as sent.

With S3_LATEST_RECORD_ACTIONS=FILE (and INITIAL_NO_AUTH_ACTION_COUNT, so
moto checks identity policies at all), each action and resource checked is
appended to FILE, allowed or not: how the deploy test finds what a deployer
calls (docs/deployer.md).

Usage: python tests/moto/server.py -H 127.0.0.1 -p PORT (moto_server's flags).
"""

import copy
import json
import os
import struct
import sys

from moto.apigateway import models as apigateway_models
from moto.apigateway import responses as apigateway_responses
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.iam import access_control
from moto.kms import models, responses, utils
from moto.s3 import models as s3_models
from moto.s3 import responses as s3_responses
from moto.s3.exceptions import ReplicationConfigurationNotFoundError
from moto.server import main

KEY_ID_LEN = 40  # "mrk-" + a dashed UUID
HEADER_FORMAT = f">{KEY_ID_LEN}s{utils.IV_LEN}s{utils.TAG_LEN}s"
HEADER_LEN = struct.calcsize(HEADER_FORMAT)


def _serialize_ciphertext_blob(ciphertext):
    key_id = ciphertext.key_id.encode("utf-8")
    if len(key_id) > KEY_ID_LEN:
        raise ValueError(f"key id longer than {KEY_ID_LEN} bytes: {ciphertext.key_id}")
    header = struct.pack(HEADER_FORMAT, key_id, ciphertext.iv, ciphertext.tag)
    return header + ciphertext.ciphertext


def _deserialize_ciphertext_blob(ciphertext_blob):
    key_id, iv, tag = struct.unpack(HEADER_FORMAT, ciphertext_blob[:HEADER_LEN])
    return utils.Ciphertext(
        key_id=key_id.rstrip(b"\0").decode("utf-8"),
        iv=iv,
        ciphertext=ciphertext_blob[HEADER_LEN:],
        tag=tag,
    )


# moto's encrypt/decrypt look these up in their module at call time.
utils._serialize_ciphertext_blob = _serialize_ciphertext_blob
utils._deserialize_ciphertext_blob = _deserialize_ciphertext_blob

# ReplicateKey accepts a key ARN in AWS; moto 5.2.5 answers it with a 500.
# And its replica is a shallow copy sharing the primary's
# multi_region_configuration, so describing the replica turned the primary
# into a "REPLICA" too (and Terraform then refuses to delete it).
_replicate_key = models.KmsBackend.replicate_key


def _replicate_key_by_any_id(self, key_id, replica_region):
    replica = _replicate_key(self, self.get_key_id(key_id), replica_region)
    replica.multi_region_configuration = copy.deepcopy(replica.multi_region_configuration)
    replica.multi_region_configuration["MultiRegionKeyType"] = "REPLICA"
    return replica


models.KmsBackend.replicate_key = _replicate_key_by_any_id

# ReplicateKey's Policy, Description and Tags set the replica's own (AWS
# gives each replica its own policy); moto 5.2.5 ignores them and copies the
# primary's, so Terraform's aws_kms_replica_key waits forever for its policy.
_replicate_key_response = responses.KmsResponse.replicate_key


def _replicate_key_with_its_own_settings(self):
    body = _replicate_key_response(self)
    backend = models.kms_backends[self.current_account][self._get_param("ReplicaRegion")]
    replica = backend.keys[models.KmsBackend.get_key_id(self._get_param("KeyId"))]
    if self._get_param("Policy"):
        replica.policy = self._get_param("Policy")
    if self._get_param("Description") is not None:
        replica.description = self._get_param("Description")
    if self._get_param("Tags"):
        backend.tagger.tag_resource(replica.id, self._get_param("Tags"))
    return body


responses.KmsResponse.replicate_key = _replicate_key_with_its_own_settings

def _get_bucket_replication_as_stored(self):
    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = [
        {
            "ID": rule["ID"],
            "Priority": rule["Priority"],
            "Status": rule["Status"],
            "DeleteMarkerReplication": rule.get("DeleteMarkerReplication", {"Status": "Disabled"}),
            "Filter": rule.get("Filter", {"Prefix": rule.get("Prefix", "")}),
            **({"SourceSelectionCriteria": rule["SourceSelectionCriteria"]} if "SourceSelectionCriteria" in rule else {}),
            "Destination": rule["Destination"],
        }
        for rule in replication["Rule"]
    ]
    return self.serialized(
        ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}})
    )


s3_responses.S3Response.get_bucket_replication = _get_bucket_replication_as_stored

# A TLS-only Deny never applies to the TLS requests it stands in for.
_get_permission = s3_models.FakeBucket.get_permission


def _denies_plain_http_only(statement):
    condition = statement.get("Condition")
    if statement.get("Effect") != "Deny" or list(condition or {}) != ["Bool"]:
        return False
    values = condition["Bool"]
    secure = values.get("aws:SecureTransport") if list(values) == ["aws:SecureTransport"] else None
    return secure in ("false", ["false"])


def _get_permission_over_tls(self, action, resource):
    if self.policy is None:
        return _get_permission(self, action, resource)
    document = json.loads(self.policy.decode())
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    kept = [s for s in statements if not _denies_plain_http_only(s)]
    if len(kept) == len(statements):
        return _get_permission(self, action, resource)
    if not kept:
        from moto.iam.access_control import PermissionResult

        return PermissionResult.NEUTRAL
    original = self.policy
    self.policy = json.dumps({**document, "Statement": kept}).encode()
    try:
        return _get_permission(self, action, resource)
    finally:
        self.policy = original


s3_models.FakeBucket.get_permission = _get_permission_over_tls


# A disabled key decrypts nothing.
class DisabledException(JsonRESTError):
    code = 400

    def __init__(self, arn):
        super().__init__("DisabledException", f"{arn} is disabled.")


_decrypt = models.KmsBackend.decrypt


def _decrypt_under_enabled_keys_only(self, *args, **kwargs):
    plaintext, arn = _decrypt(self, *args, **kwargs)
    if self.keys[self.any_id_to_key_id(arn)].key_state != "Enabled":
        raise DisabledException(arn)
    return plaintext, arn


models.KmsBackend.decrypt = _decrypt_under_enabled_keys_only


# A binary media type is the patch path's last segment, JSON-Pointer escaped.
_apply_patch_operations = apigateway_models.RestAPI.apply_patch_operations


def _binary_media_type_from_path(self, patch_operations):
    prefix = "/binaryMediaTypes/"
    for op in patch_operations:
        if op.get("path", "").startswith(prefix) and not op.get("value"):
            op["value"] = op["path"][len(prefix) :].replace("~1", "/").replace("~0", "~")
    return _apply_patch_operations(self, patch_operations)


apigateway_models.RestAPI.apply_patch_operations = _binary_media_type_from_path

_create_rest_api = apigateway_responses.APIGatewayResponse.create_rest_api


def _create_rest_api_with_binary_media_types(self):
    status, headers, body = _create_rest_api(self)
    types = self._get_param("binaryMediaTypes")
    if status == 200 and types:
        created = json.loads(body)
        self.backend.get_rest_api(created["id"]).binaryMediaTypes = list(types)
        created["binaryMediaTypes"] = list(types)
        body = json.dumps(created)
    return status, headers, body


apigateway_responses.APIGatewayResponse.create_rest_api = _create_rest_api_with_binary_media_types


# An authorizer keeps the identity validation expression it was created with.
_create_authorizer = apigateway_models.APIGatewayBackend.create_authorizer


def _create_authorizer_keeping_its_expression(self, *args, identiy_validation_expression=None, **kwargs):
    authorizer = _create_authorizer(self, *args, identiy_validation_expression=identiy_validation_expression, **kwargs)
    authorizer.identity_validation_expression = identiy_validation_expression
    return authorizer


apigateway_models.APIGatewayBackend.create_authorizer = _create_authorizer_keeping_its_expression


# A GET, HEAD or DELETE without a body was signed over an empty payload.
_create_aws_request = access_control.IAMRequestBase._create_aws_request


def _create_aws_request_over_the_body_sent(self):
    if self._body or self._method not in ("GET", "HEAD", "DELETE"):
        return _create_aws_request(self)
    data, self._data = self._data, b""
    try:
        return _create_aws_request(self)
    finally:
        self._data = data


access_control.IAMRequestBase._create_aws_request = _create_aws_request_over_the_body_sent


# What each request needed, for the deployer policy's maintenance.
if os.environ.get("S3_LATEST_RECORD_ACTIONS"):
    _check_action_permitted = access_control.IAMRequestBase.check_action_permitted

    def _record_and_check(self, resource):
        with open(os.environ["S3_LATEST_RECORD_ACTIONS"], "a") as record:
            record.write(f"{self._action} {resource}\n")
        return _check_action_permitted(self, resource)

    access_control.IAMRequestBase.check_action_permitted = _record_and_check


if __name__ == "__main__":
    sys.exit(main())
