//! Envelope encryption in the Amazon S3 Encryption Client (S3EC) V2 format.
//!
//! Every object body is sealed with AES-256-GCM under a fresh data key and a
//! random 96-bit IV; the 128-bit tag is appended to the ciphertext. The data
//! key is wrapped by a [`KeyProvider`](crate::keyring::KeyProvider) and stored,
//! with everything needed to unwrap it, in the object's user metadata:
//!
//! | metadata key                       | value                                       |
//! |------------------------------------|---------------------------------------------|
//! | `x-amz-key-v2`                     | base64 of the wrapped data key              |
//! | `x-amz-iv`                         | base64 of the 12-byte IV                    |
//! | `x-amz-cek-alg`                    | `AES/GCM/NoPadding`                         |
//! | `x-amz-wrap-alg`                   | `kms+context` (KMS) or `AES/GCM` (local key) |
//! | `x-amz-matdesc`                    | JSON encryption context / material description |
//! | `x-amz-tag-len`                    | `128`                                       |
//! | `x-amz-unencrypted-content-length` | plaintext length in bytes                   |
//!
//! The encryption context binds the object to its bucket and key, so a copied
//! or renamed object no longer decrypts.

use std::collections::{BTreeMap, HashMap};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use zeroize::Zeroizing;

/// The content cipher: AES-256 in GCM mode, named as the S3EC names it.
pub const CONTENT_CIPHER: &str = "AES/GCM/NoPadding";
/// Encryption context key the S3EC reserves for the content cipher.
pub const RESERVED_CEK_ALG_CONTEXT_KEY: &str = "aws:x-amz-cek-alg";
/// Encryption context key binding an object to its bucket.
pub const CONTEXT_BUCKET: &str = "s3-latest:bucket";
/// Encryption context key binding an object to its key.
pub const CONTEXT_KEY: &str = "s3-latest:key";

const IV_LEN: usize = 12;
const TAG_LEN_BITS: &str = "128";
pub(crate) const TAG_LEN: usize = 16;

mod meta {
    pub const WRAPPED_KEY: &str = "x-amz-key-v2";
    pub const IV: &str = "x-amz-iv";
    pub const CEK_ALG: &str = "x-amz-cek-alg";
    pub const WRAP_ALG: &str = "x-amz-wrap-alg";
    pub const MATDESC: &str = "x-amz-matdesc";
    pub const TAG_LEN: &str = "x-amz-tag-len";
    pub const UNENCRYPTED_LENGTH: &str = "x-amz-unencrypted-content-length";
}

/// A 256-bit content encryption key, wiped from memory on drop.
pub type DataKey = Zeroizing<[u8; 32]>;

/// How the data key is wrapped; the value of `x-amz-wrap-alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapAlgorithm {
    /// KMS `GenerateDataKey`/`Decrypt` with the material description as encryption context.
    KmsContext,
    /// A raw AES-256 wrapping key (the S3EC raw AES keyring): AES-GCM with the
    /// content cipher name as additional data.
    AesGcm,
}

impl WrapAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            WrapAlgorithm::KmsContext => "kms+context",
            WrapAlgorithm::AesGcm => "AES/GCM",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "kms+context" => Some(WrapAlgorithm::KmsContext),
            "AES/GCM" => Some(WrapAlgorithm::AesGcm),
            _ => None,
        }
    }
}

/// The encryption context of one object: string pairs, ordered so the JSON
/// form is stable.
pub type EncryptionContext = BTreeMap<String, String>;

/// The context that binds an object to where it lives.
pub fn object_context(bucket: &str, key: &str) -> EncryptionContext {
    BTreeMap::from([
        (CONTEXT_BUCKET.to_owned(), bucket.to_owned()),
        (CONTEXT_KEY.to_owned(), key.to_owned()),
    ])
}

/// The material description stored in `x-amz-matdesc` for a wrap algorithm.
/// With `kms+context` it is also the KMS encryption context, and the S3EC adds
/// the content cipher under a reserved key; the raw AES keyring stores the
/// caller's description as it is.
pub fn material_description(wrap: WrapAlgorithm, context: &EncryptionContext) -> EncryptionContext {
    let mut description = context.clone();
    if wrap == WrapAlgorithm::KmsContext {
        description.insert(RESERVED_CEK_ALG_CONTEXT_KEY.to_owned(), CONTENT_CIPHER.to_owned());
    }
    description
}

/// Why an object cannot be opened. None of these ever comes with plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("object has no client-side encryption metadata")]
    NotEncrypted,
    #[error("encryption metadata `{field}` is missing or malformed")]
    MalformedMetadata { field: &'static str },
    #[error("unsupported {field} `{value}`")]
    Unsupported { field: &'static str, value: String },
    #[error("the object's encryption context does not match its bucket and key")]
    ContextMismatch,
    #[error("ciphertext failed authentication")]
    Authentication,
}

/// The S3EC V2 metadata of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeMetadata {
    pub wrapped_key: Vec<u8>,
    pub iv: [u8; IV_LEN],
    pub wrap: WrapAlgorithm,
    pub material_description: EncryptionContext,
    pub unencrypted_length: Option<u64>,
}

impl EnvelopeMetadata {
    /// The user metadata to store with the object (the SDK adds `x-amz-meta-`).
    pub fn to_s3_metadata(&self) -> HashMap<String, String> {
        let mut out = HashMap::from([
            (meta::WRAPPED_KEY.to_owned(), BASE64.encode(&self.wrapped_key)),
            (meta::IV.to_owned(), BASE64.encode(self.iv)),
            (meta::CEK_ALG.to_owned(), CONTENT_CIPHER.to_owned()),
            (meta::WRAP_ALG.to_owned(), self.wrap.as_str().to_owned()),
            (
                meta::MATDESC.to_owned(),
                serde_json::to_string(&self.material_description).expect("string map serialises"),
            ),
            (meta::TAG_LEN.to_owned(), TAG_LEN_BITS.to_owned()),
        ]);
        if let Some(len) = self.unencrypted_length {
            out.insert(meta::UNENCRYPTED_LENGTH.to_owned(), len.to_string());
        }
        out
    }

    /// Reads and validates the metadata of a stored object.
    pub fn from_s3_metadata(metadata: &HashMap<String, String>) -> Result<Self, EnvelopeError> {
        let get = |field: &'static str| metadata.get(field).map(String::as_str);
        let require = |field: &'static str| get(field).ok_or(EnvelopeError::MalformedMetadata { field });

        if get(meta::WRAPPED_KEY).is_none() && get(meta::IV).is_none() {
            return Err(EnvelopeError::NotEncrypted);
        }
        let cek_alg = require(meta::CEK_ALG)?;
        if cek_alg != CONTENT_CIPHER {
            return Err(EnvelopeError::Unsupported {
                field: meta::CEK_ALG,
                value: cek_alg.to_owned(),
            });
        }
        let tag_len = get(meta::TAG_LEN).unwrap_or(TAG_LEN_BITS);
        if tag_len != TAG_LEN_BITS {
            return Err(EnvelopeError::Unsupported {
                field: meta::TAG_LEN,
                value: tag_len.to_owned(),
            });
        }
        let wrap_value = require(meta::WRAP_ALG)?;
        let wrap = WrapAlgorithm::parse(wrap_value).ok_or_else(|| EnvelopeError::Unsupported {
            field: meta::WRAP_ALG,
            value: wrap_value.to_owned(),
        })?;
        let wrapped_key = BASE64
            .decode(require(meta::WRAPPED_KEY)?)
            .map_err(|_| EnvelopeError::MalformedMetadata {
                field: meta::WRAPPED_KEY,
            })?;
        let iv = BASE64
            .decode(require(meta::IV)?)
            .ok()
            .and_then(|iv| <[u8; IV_LEN]>::try_from(iv).ok())
            .ok_or(EnvelopeError::MalformedMetadata { field: meta::IV })?;
        let material_description = serde_json::from_str(get(meta::MATDESC).unwrap_or("{}"))
            .map_err(|_| EnvelopeError::MalformedMetadata { field: meta::MATDESC })?;
        let unencrypted_length = get(meta::UNENCRYPTED_LENGTH)
            .map(|v| {
                v.parse().map_err(|_| EnvelopeError::MalformedMetadata {
                    field: meta::UNENCRYPTED_LENGTH,
                })
            })
            .transpose()?;
        Ok(EnvelopeMetadata {
            wrapped_key,
            iv,
            wrap,
            material_description,
            unencrypted_length,
        })
    }

    /// Checks that the stored description is the one expected for this object,
    /// following the S3EC rule: equal once the reserved key is set aside, and
    /// the reserved key, where present, names our content cipher.
    pub fn verify_context(&self, expected: &EncryptionContext) -> Result<(), EnvelopeError> {
        let mut stored = self.material_description.clone();
        let cek = stored.remove(RESERVED_CEK_ALG_CONTEXT_KEY);
        let cek_ok = match self.wrap {
            WrapAlgorithm::KmsContext => cek.as_deref() == Some(CONTENT_CIPHER),
            WrapAlgorithm::AesGcm => cek.is_none() || cek.as_deref() == Some(CONTENT_CIPHER),
        };
        if cek_ok && &stored == expected {
            Ok(())
        } else {
            Err(EnvelopeError::ContextMismatch)
        }
    }
}

/// Seals `plaintext` under `key` with a fresh random IV; returns the IV and
/// ciphertext-with-tag.
pub fn seal(key: &DataKey, plaintext: &[u8]) -> ([u8; IV_LEN], Vec<u8>) {
    let mut iv = [0u8; IV_LEN];
    rand::rng().fill_bytes(&mut iv);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_slice()));
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&iv), plaintext)
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    (iv, ciphertext)
}

/// Opens ciphertext-with-tag; any change to key, IV or ciphertext fails.
pub fn open(key: &DataKey, iv: &[u8; IV_LEN], ciphertext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_slice()));
    cipher
        .decrypt(Nonce::from_slice(iv), ciphertext)
        .map_err(|_| EnvelopeError::Authentication)
}

/// A fresh random data key, for key providers that make their own.
pub fn random_data_key() -> DataKey {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(key.as_mut_slice());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EnvelopeMetadata {
        EnvelopeMetadata {
            wrapped_key: vec![1, 2, 3],
            iv: [7; IV_LEN],
            wrap: WrapAlgorithm::KmsContext,
            material_description: material_description(WrapAlgorithm::KmsContext, &object_context("b", "k")),
            unencrypted_length: Some(5),
        }
    }

    #[test]
    fn seal_then_open_round_trips_and_any_bit_flip_fails() {
        let key = random_data_key();
        let (iv, ct) = seal(&key, b"hello world");
        assert_eq!(ct.len(), 11 + TAG_LEN);
        assert_eq!(open(&key, &iv, &ct).unwrap(), b"hello world");

        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert_eq!(open(&key, &iv, &bad), Err(EnvelopeError::Authentication), "byte {i}");
        }
        let mut bad_iv = iv;
        bad_iv[0] ^= 1;
        assert_eq!(open(&key, &bad_iv, &ct), Err(EnvelopeError::Authentication));
        assert_eq!(open(&random_data_key(), &iv, &ct), Err(EnvelopeError::Authentication));
    }

    #[test]
    fn metadata_uses_s3ec_v2_names_and_round_trips() {
        let m = sample();
        let s3 = m.to_s3_metadata();
        assert_eq!(s3["x-amz-cek-alg"], "AES/GCM/NoPadding");
        assert_eq!(s3["x-amz-wrap-alg"], "kms+context");
        assert_eq!(s3["x-amz-tag-len"], "128");
        assert_eq!(s3["x-amz-unencrypted-content-length"], "5");
        assert_eq!(
            s3["x-amz-matdesc"],
            r#"{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","s3-latest:bucket":"b","s3-latest:key":"k"}"#
        );
        assert_eq!(EnvelopeMetadata::from_s3_metadata(&s3).unwrap(), m);
    }

    #[test]
    fn missing_or_unsupported_metadata_is_named() {
        assert_eq!(
            EnvelopeMetadata::from_s3_metadata(&HashMap::new()),
            Err(EnvelopeError::NotEncrypted)
        );

        let mut s3 = sample().to_s3_metadata();
        s3.insert("x-amz-cek-alg".into(), "AES/CBC/PKCS5Padding".into());
        assert!(matches!(
            EnvelopeMetadata::from_s3_metadata(&s3),
            Err(EnvelopeError::Unsupported {
                field: "x-amz-cek-alg",
                ..
            })
        ));

        let mut s3 = sample().to_s3_metadata();
        s3.insert("x-amz-iv".into(), "AAAA".into());
        assert_eq!(
            EnvelopeMetadata::from_s3_metadata(&s3),
            Err(EnvelopeError::MalformedMetadata { field: "x-amz-iv" })
        );

        let mut s3 = sample().to_s3_metadata();
        s3.remove("x-amz-key-v2");
        assert_eq!(
            EnvelopeMetadata::from_s3_metadata(&s3),
            Err(EnvelopeError::MalformedMetadata { field: "x-amz-key-v2" })
        );
    }

    #[test]
    fn context_must_name_this_bucket_and_key() {
        let m = sample();
        assert_eq!(m.verify_context(&object_context("b", "k")), Ok(()));
        assert_eq!(
            m.verify_context(&object_context("b", "renamed")),
            Err(EnvelopeError::ContextMismatch)
        );
        assert_eq!(
            m.verify_context(&object_context("other", "k")),
            Err(EnvelopeError::ContextMismatch)
        );

        let mut wrong_cipher = m.clone();
        wrong_cipher
            .material_description
            .insert(RESERVED_CEK_ALG_CONTEXT_KEY.into(), "AES/CBC".into());
        assert_eq!(
            wrong_cipher.verify_context(&object_context("b", "k")),
            Err(EnvelopeError::ContextMismatch)
        );
    }
}
