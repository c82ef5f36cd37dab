//! Envelope encryption in the Amazon S3 Encryption Client (S3EC) formats.
//!
//! Every object body is sealed with AES-256-GCM under a fresh data key. The
//! data key is wrapped by a [`KeyProvider`](crate::keyring::KeyProvider) and
//! stored, with everything needed to unwrap it, in the object's user metadata.
//! Two message formats are written and read (the spec is
//! `awslabs/aws-encryption-sdk-specification`, `s3-encryption/`):
//!
//! * **V3** (the default), algorithm suite 115,
//!   `ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY`. A random 28-byte message id
//!   salts HKDF-SHA512 over the data key, which yields the content key and a
//!   28-byte key commitment. Content is AES-256-GCM under the derived key with
//!   an IV of twelve `0x01` bytes and the suite id `00 73` as AAD. A reader
//!   checks the stored commitment before decrypting, so one ciphertext can
//!   never open to two plaintexts under two keys.
//! * **V2**, `ALG_AES_256_GCM_IV12_TAG16_NO_KDF`: AES-256-GCM under the data
//!   key itself with a random 96-bit IV and no AAD.
//!
//! | V3 key    | V2 key                             | value                                        |
//! |-----------|------------------------------------|----------------------------------------------|
//! | `x-amz-3` | `x-amz-key-v2`                     | base64 of the wrapped data key               |
//! | `x-amz-c` | `x-amz-cek-alg`                    | `115` / `AES/GCM/NoPadding`                  |
//! | `x-amz-w` | `x-amz-wrap-alg`                   | `12` / `kms+context`, or `02` / `AES/GCM`    |
//! | `x-amz-t` | `x-amz-matdesc`                    | KMS encryption context as JSON (`12`)        |
//! | `x-amz-m` | `x-amz-matdesc`                    | material description as JSON (`02`)          |
//! | `x-amz-i` | `x-amz-iv`                         | base64 of the message id / of the 12-byte IV |
//! | `x-amz-d` | —                                  | base64 of the key commitment                 |
//! | —         | `x-amz-tag-len`                    | `128`                                        |
//! | —         | `x-amz-unencrypted-content-length` | plaintext length in bytes                    |
//!
//! The encryption context binds each object to its store and key, so a copied
//! or renamed object no longer decrypts.
//!
//! The module is split where a reader would: [`metadata`] is the codec
//! between [`EnvelopeMetadata`] and S3 user metadata, [`context`] the
//! encryption context that binds an object to its place, and [`cipher`] the
//! content encryption and the V3 key derivation.

mod cipher;
mod context;
pub(crate) mod metadata;

use std::str::FromStr;

use zeroize::Zeroizing;

pub use cipher::{Content, TAG_LEN, open, random_data_key, seal};
pub use context::{
    CONTEXT_CONTENT_TYPE, CONTEXT_KEY, CONTEXT_STORE, EncryptionContext, RESERVED_CEK_ALG_CONTEXT_KEY,
    material_description, object_context,
};
pub use metadata::EnvelopeMetadata;
pub(crate) use metadata::meta;

/// The V2 content cipher, as the S3EC names it. It is also the additional
/// data of `AES/GCM` key wrapping in both formats.
pub const CONTENT_CIPHER: &str = "AES/GCM/NoPadding";
/// `x-amz-c` of the key-committing suite: 0x0073 in decimal.
pub const COMMITTING_SUITE: &str = "115";

/// A 256-bit content encryption key, wiped from memory on drop.
pub type DataKey = Zeroizing<[u8; 32]>;

/// The S3EC message format ingest writes. Both are always read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Non-committing AES-GCM, for readers that only know V2 (S3EC V2, and V3
    /// of Java, Go and .NET before their key-commitment releases).
    V2,
    /// Key-committing AES-GCM with HKDF, what current S3EC clients write and
    /// require at their default commitment policy.
    #[default]
    V3,
}

impl Format {
    /// The content cipher's name as it appears in the KMS encryption context
    /// (`aws:x-amz-cek-alg`) and in `x-amz-cek-alg` / `x-amz-c`.
    pub fn content_cipher(self) -> &'static str {
        match self {
            Format::V2 => CONTENT_CIPHER,
            Format::V3 => COMMITTING_SUITE,
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v2" | "V2" => Ok(Format::V2),
            "v3" | "V3" => Ok(Format::V3),
            other => Err(format!("expected v2 or v3, found `{other}`")),
        }
    }
}

/// How the data key is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapAlgorithm {
    /// KMS `GenerateDataKey`/`Decrypt` with the material description as encryption context.
    KmsContext,
    /// A raw AES-256 wrapping key: AES-GCM over the data key (see
    /// [`LocalAesKeyring`](crate::keyring::LocalAesKeyring) for its additional data).
    AesGcm,
}

impl WrapAlgorithm {
    /// The V2 name (`x-amz-wrap-alg`).
    pub fn as_str(self) -> &'static str {
        match self {
            WrapAlgorithm::KmsContext => "kms+context",
            WrapAlgorithm::AesGcm => "AES/GCM",
        }
    }

    /// The V3 two-digit code (`x-amz-w`).
    fn v3_code(self) -> &'static str {
        match self {
            WrapAlgorithm::KmsContext => "12",
            WrapAlgorithm::AesGcm => "02",
        }
    }

    fn parse_v2(value: &str) -> Result<Self, EnvelopeError> {
        match value {
            "kms+context" => Ok(WrapAlgorithm::KmsContext),
            "AES/GCM" => Ok(WrapAlgorithm::AesGcm),
            other => Err(EnvelopeError::unsupported(format!("wrapping algorithm `{other}`"))),
        }
    }

    fn parse_v3(value: &str) -> Result<Self, EnvelopeError> {
        match value {
            "12" => Ok(WrapAlgorithm::KmsContext),
            "02" => Ok(WrapAlgorithm::AesGcm),
            other => Err(EnvelopeError::unsupported(format!("wrapping algorithm `{other}`"))),
        }
    }
}

/// Why an object cannot be opened. None of these ever comes with plaintext.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("object has no client-side encryption metadata")]
    NotEncrypted,
    /// Encrypted, but in a format, suite or wrapping this reader does not
    /// open (V1, instruction files, CBC, an unknown suite number).
    #[error("unsupported encryption: {what}")]
    UnsupportedFormat { what: String },
    /// Keys of two formats at once: never written by any S3EC, so tampering.
    #[error("encryption metadata mixes format versions ({first} with {second})")]
    MixedFormats { first: &'static str, second: &'static str },
    #[error("encryption metadata `{field}` is missing or malformed")]
    MalformedMetadata { field: &'static str },
    #[error("the object's encryption context does not match its store and key")]
    ContextMismatch,
    #[error("the stored key commitment does not match the data key")]
    CommitmentMismatch,
    #[error("ciphertext failed authentication")]
    Authentication,
    /// The stored Content-Type is not the one the context binds.
    #[error("the object's Content-Type is not the one its encryption context binds")]
    ContentTypeMismatch,
    /// A V2 object while the commitment policy requires V3.
    #[error("the object carries no key commitment (V2), and the commitment policy requires one")]
    CommitmentRequired,
    #[error("content encryption failed")]
    SealFailed,
}

impl EnvelopeError {
    fn unsupported(what: impl Into<String>) -> Self {
        EnvelopeError::UnsupportedFormat { what: what.into() }
    }
}
