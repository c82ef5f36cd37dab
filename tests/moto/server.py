"""moto_server, with two repairs for multi-region keys.

moto 5.2.5 writes the key id into its (moto-only) ciphertext blob in a fixed
36-byte field, the length of a single-region key id. A multi-region key id is
"mrk-" plus 32 hex digits (36 characters without dashes, 40 with them), so its
id is cut short, and every Decrypt of a ciphertext made under a multi-region
key, in its own region or in a replica's, fails with AccessDeniedException.
The disaster-recovery test needs exactly that Decrypt, so the field is widened
to 40 bytes here, NUL-padded and stripped on the way back. And ReplicateKey
is taught the key ARN that AWS (and Terraform's aws_kms_replica_key) may send. Nothing else about
moto changes: the blob stays moto's own format, opaque to every client.

Usage: python tests/moto/server.py -H 127.0.0.1 -p PORT (moto_server's flags).
"""

import struct
import sys

from moto.kms import models, utils
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
_replicate_key = models.KmsBackend.replicate_key
models.KmsBackend.replicate_key = lambda self, key_id, replica_region: _replicate_key(
    self, self.get_key_id(key_id), replica_region
)

if __name__ == "__main__":
    sys.exit(main())
