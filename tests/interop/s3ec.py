"""Interop peer: the official Amazon S3 Encryption Client (Python) against moto.

    s3ec.py put FORMAT ENDPOINT BUCKET KEY KMS_KEY_ID CONTENT_TYPE   (plaintext on stdin)
    s3ec.py get FORMAT ENDPOINT BUCKET KEY KMS_KEY_ID                (plaintext to stdout)

FORMAT is `v3`: the client exactly at its defaults (it writes V3, the
key-committing suite 115, and its REQUIRE_ENCRYPT_REQUIRE_DECRYPT policy
refuses V2); or `v2`: AES/GCM/NoPadding with the legacy commitment policy,
as a V2-only reader or writer would be.

Both bind the object to its store, key and Content-Type with the encryption
context that s3-latest uses (the store identity is the bucket name, its
default); the official client passes those context keys through.
"""

import sys

import boto3
from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
from s3_encryption.materials.kms_keyring import KmsKeyring
from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy


def client(fmt, endpoint, kms_key_id):
    session = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3 = boto3.client("s3", config=boto3.session.Config(s3={"addressing_style": "path"}), **session)
    kms = boto3.client("kms", **session)
    keyring = KmsKeyring(kms, kms_key_id)
    if fmt == "v3":
        config = S3EncryptionClientConfig(keyring=keyring)
    elif fmt == "v2":
        config = S3EncryptionClientConfig(
            keyring=keyring,
            encryption_algorithm=AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
            commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
        )
    else:
        raise SystemExit(f"unknown format {fmt}")
    return S3EncryptionClient(s3, config), s3


def context(bucket, key, content_type):
    return {"s3-latest:store": bucket, "s3-latest:key": key, "s3-latest:content-type": content_type}


def main(argv):
    command, fmt, endpoint, bucket, key, kms_key_id = argv[1:7]
    s3ec, s3 = client(fmt, endpoint, kms_key_id)
    if command == "put":
        s3ec.put_object(
            Bucket=bucket,
            Key=key,
            Body=sys.stdin.buffer.read(),
            ContentType=argv[7],
            EncryptionContext=context(bucket, key, argv[7]),
        )
    elif command == "get":
        # The context names the Content-Type, which a reader learns from the object.
        content_type = s3.head_object(Bucket=bucket, Key=key)["ContentType"]
        response = s3ec.get_object(Bucket=bucket, Key=key, EncryptionContext=context(bucket, key, content_type))
        sys.stdout.buffer.write(response["Body"].read())
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
