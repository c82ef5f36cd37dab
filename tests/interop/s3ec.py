"""Interop peer: the official Amazon S3 Encryption Client (Python) against moto.

    s3ec.py put ENDPOINT BUCKET KEY KMS_KEY_ID CONTENT_TYPE   (plaintext on stdin)
    s3ec.py get ENDPOINT BUCKET KEY KMS_KEY_ID                (plaintext to stdout)

Both bind the object to its bucket and key with the encryption context that
s3-latest uses, and both use the V2 format (AES/GCM/NoPadding, kms+context):
the commitment policy allows V2 objects to be read and written.
"""

import sys

import boto3
from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
from s3_encryption.materials.kms_keyring import KmsKeyring
from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy


def client(endpoint, kms_key_id):
    session = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3 = boto3.client("s3", config=boto3.session.Config(s3={"addressing_style": "path"}), **session)
    kms = boto3.client("kms", **session)
    config = S3EncryptionClientConfig(
        keyring=KmsKeyring(kms, kms_key_id),
        encryption_algorithm=AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
        commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
    )
    return S3EncryptionClient(s3, config)


def context(bucket, key):
    return {"s3-latest:bucket": bucket, "s3-latest:key": key}


def main(argv):
    command, endpoint, bucket, key, kms_key_id = argv[1:6]
    s3ec = client(endpoint, kms_key_id)
    if command == "put":
        s3ec.put_object(
            Bucket=bucket,
            Key=key,
            Body=sys.stdin.buffer.read(),
            ContentType=argv[6],
            EncryptionContext=context(bucket, key),
        )
    elif command == "get":
        response = s3ec.get_object(Bucket=bucket, Key=key, EncryptionContext=context(bucket, key))
        sys.stdout.buffer.write(response["Body"].read())
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
