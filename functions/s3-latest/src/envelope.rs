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

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::crypto;
use zeroize::Zeroizing;

/// The V2 content cipher, as the S3EC names it. It is also the additional
/// data of `AES/GCM` key wrapping in both formats.
pub const CONTENT_CIPHER: &str = "AES/GCM/NoPadding";
/// `x-amz-c` of the key-committing suite: 0x0073 in decimal.
pub const COMMITTING_SUITE: &str = "115";
/// The committing suite's id as bytes: HKDF info prefix and content AAD.
const COMMITTING_SUITE_ID: [u8; 2] = [0x00, 0x73];
/// Encryption context key the S3EC reserves for the content cipher.
pub const RESERVED_CEK_ALG_CONTEXT_KEY: &str = "aws:x-amz-cek-alg";
/// Encryption context key binding an object to its snapshot store.
pub const CONTEXT_STORE: &str = "s3-latest:store";
/// Encryption context key binding an object to its key.
pub const CONTEXT_KEY: &str = "s3-latest:key";
/// Encryption context key binding an object's Content-Type: anyone with
/// `s3:PutObject` can copy an object onto itself with another Content-Type
/// (say `text/html`), and it would still decrypt. Bound, the swap fails.
pub const CONTEXT_CONTENT_TYPE: &str = "s3-latest:content-type";

const IV_LEN: usize = 12;
const TAG_LEN_BITS: &str = "128";
pub(crate) const TAG_LEN: usize = 16;
const MESSAGE_ID_LEN: usize = 28;
const COMMITMENT_LEN: usize = 28;

pub(crate) mod meta {
    // V1 (never read, only recognised)
    pub const WRAPPED_KEY_V1: &str = "x-amz-key";
    // V2
    pub const WRAPPED_KEY_V2: &str = "x-amz-key-v2";
    pub const IV: &str = "x-amz-iv";
    pub const CEK_ALG: &str = "x-amz-cek-alg";
    pub const WRAP_ALG: &str = "x-amz-wrap-alg";
    pub const MATDESC: &str = "x-amz-matdesc";
    pub const TAG_LEN: &str = "x-amz-tag-len";
    pub const UNENCRYPTED_LENGTH: &str = "x-amz-unencrypted-content-length";
    // V3
    pub const WRAPPED_KEY_V3: &str = "x-amz-3";
    pub const CONTENT_CIPHER_V3: &str = "x-amz-c";
    pub const WRAP_ALG_V3: &str = "x-amz-w";
    pub const ENCRYPTION_CONTEXT_V3: &str = "x-amz-t";
    pub const MAT_DESC_V3: &str = "x-amz-m";
    pub const KEY_COMMITMENT_V3: &str = "x-amz-d";
    pub const MESSAGE_ID_V3: &str = "x-amz-i";
    pub const INSTRUCTION_FILE: &str = "x-amz-crypto-instr-file";

    /// Keys only V1/V2 objects carry.
    pub const V1_V2_ONLY: &[&str] = &[
        WRAPPED_KEY_V1,
        WRAPPED_KEY_V2,
        IV,
        CEK_ALG,
        WRAP_ALG,
        MATDESC,
        TAG_LEN,
        UNENCRYPTED_LENGTH,
    ];
    /// Keys only V3 objects carry.
    pub const V3_ONLY: &[&str] = &[
        WRAPPED_KEY_V3,
        CONTENT_CIPHER_V3,
        WRAP_ALG_V3,
        ENCRYPTION_CONTEXT_V3,
        MAT_DESC_V3,
        KEY_COMMITMENT_V3,
        MESSAGE_ID_V3,
    ];
}

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

/// The encryption context of one object: string pairs, ordered so the JSON
/// form is stable.
pub type EncryptionContext = BTreeMap<String, String>;

/// The context that binds an object to where it lives: the store's stable
/// identity (shared by a primary bucket and its replicas) and the object key.
pub fn object_context(store_id: &str, key: &str) -> EncryptionContext {
    BTreeMap::from([
        (CONTEXT_STORE.to_owned(), store_id.to_owned()),
        (CONTEXT_KEY.to_owned(), key.to_owned()),
    ])
}

/// The material description stored with an object. With `kms+context` it is
/// also the KMS encryption context, and the S3EC adds the content cipher under
/// a reserved key (`AES/GCM/NoPadding` for V2, `115` for V3); the raw AES
/// keyring stores the caller's description as it is.
pub fn material_description(wrap: WrapAlgorithm, format: Format, context: &EncryptionContext) -> EncryptionContext {
    let mut description = context.clone();
    if wrap == WrapAlgorithm::KmsContext {
        description.insert(
            RESERVED_CEK_ALG_CONTEXT_KEY.to_owned(),
            format.content_cipher().to_owned(),
        );
    }
    description
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

/// The content encryption of one object, by format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// V2: AES-256-GCM under the data key with this IV.
    Gcm { iv: [u8; IV_LEN] },
    /// V3: AES-256-GCM under a key derived from the data key and message id.
    CommittingGcm {
        message_id: [u8; MESSAGE_ID_LEN],
        commitment: [u8; COMMITMENT_LEN],
    },
}

impl Content {
    pub fn format(&self) -> Format {
        match self {
            Content::Gcm { .. } => Format::V2,
            Content::CommittingGcm { .. } => Format::V3,
        }
    }
}

/// The S3EC metadata of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeMetadata {
    pub wrapped_key: Vec<u8>,
    pub wrap: WrapAlgorithm,
    /// KMS encryption context (`kms+context`) or material description (`AES/GCM`).
    pub material_description: EncryptionContext,
    pub content: Content,
    /// V2 only; V3 has no such key.
    pub unencrypted_length: Option<u64>,
}

fn json(description: &EncryptionContext) -> String {
    serde_json::to_string(description).expect("string map serialises")
}

/// Stored metadata, read field by field; a missing required field is named.
struct Fields<'a>(&'a HashMap<String, String>);

impl Fields<'_> {
    fn get(&self, field: &'static str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    fn require(&self, field: &'static str) -> Result<&str, EnvelopeError> {
        self.get(field).ok_or(EnvelopeError::MalformedMetadata { field })
    }

    fn bytes(&self, field: &'static str) -> Result<Vec<u8>, EnvelopeError> {
        BASE64
            .decode(self.require(field)?)
            .map_err(|_| EnvelopeError::MalformedMetadata { field })
    }

    fn description(&self, field: &'static str) -> Result<EncryptionContext, EnvelopeError> {
        serde_json::from_str(self.get(field).unwrap_or("{}")).map_err(|_| EnvelopeError::MalformedMetadata { field })
    }
}

fn decode<const N: usize>(value: &str, field: &'static str) -> Result<[u8; N], EnvelopeError> {
    BASE64
        .decode(value)
        .ok()
        .and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
        .ok_or(EnvelopeError::MalformedMetadata { field })
}

impl EnvelopeMetadata {
    pub fn format(&self) -> Format {
        self.content.format()
    }

    /// The user metadata to store with the object (the SDK adds `x-amz-meta-`).
    pub fn to_s3_metadata(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let mut put = |k: &str, v: String| out.insert(k.to_owned(), v);
        match &self.content {
            Content::Gcm { iv } => {
                put(meta::WRAPPED_KEY_V2, BASE64.encode(&self.wrapped_key));
                put(meta::IV, BASE64.encode(iv));
                put(meta::CEK_ALG, CONTENT_CIPHER.to_owned());
                put(meta::WRAP_ALG, self.wrap.as_str().to_owned());
                put(meta::MATDESC, json(&self.material_description));
                put(meta::TAG_LEN, TAG_LEN_BITS.to_owned());
                if let Some(len) = self.unencrypted_length {
                    put(meta::UNENCRYPTED_LENGTH, len.to_string());
                }
            }
            Content::CommittingGcm { message_id, commitment } => {
                put(meta::WRAPPED_KEY_V3, BASE64.encode(&self.wrapped_key));
                put(meta::CONTENT_CIPHER_V3, COMMITTING_SUITE.to_owned());
                put(meta::WRAP_ALG_V3, self.wrap.v3_code().to_owned());
                let description_key = match self.wrap {
                    WrapAlgorithm::KmsContext => meta::ENCRYPTION_CONTEXT_V3,
                    WrapAlgorithm::AesGcm => meta::MAT_DESC_V3,
                };
                put(description_key, json(&self.material_description));
                put(meta::MESSAGE_ID_V3, BASE64.encode(message_id));
                put(meta::KEY_COMMITMENT_V3, BASE64.encode(commitment));
            }
        }
        out
    }

    /// Reads and validates the metadata of a stored object, following the
    /// spec's "determining S3EC object status": `x-amz-3` + `x-amz-d` +
    /// `x-amz-i` is V3, `x-amz-key-v2` + `x-amz-iv` is V2, and keys exclusive
    /// to another format make the object suspect.
    pub fn from_s3_metadata(metadata: &HashMap<String, String>) -> Result<Self, EnvelopeError> {
        let has = |field: &str| metadata.contains_key(field);
        let first_of = |fields: &[&'static str]| fields.iter().copied().find(|f| has(f));

        let (v12, v3) = (first_of(meta::V1_V2_ONLY), first_of(meta::V3_ONLY));
        if let (Some(first), Some(second)) = (v12, v3) {
            return Err(EnvelopeError::MixedFormats { first, second });
        }
        if has(meta::WRAPPED_KEY_V1) && has(meta::WRAPPED_KEY_V2) {
            return Err(EnvelopeError::MixedFormats {
                first: meta::WRAPPED_KEY_V1,
                second: meta::WRAPPED_KEY_V2,
            });
        }
        if has(meta::INSTRUCTION_FILE) {
            return Err(EnvelopeError::unsupported("instruction files"));
        }
        if v3.is_some() {
            return Self::from_v3(metadata);
        }
        if has(meta::WRAPPED_KEY_V1) {
            return Err(EnvelopeError::unsupported("the V1 format"));
        }
        if has(meta::WRAPPED_KEY_V2) || has(meta::IV) {
            return Self::from_v2(metadata);
        }
        if v12.is_some() {
            // Content metadata without a data key: the rest would be in an
            // instruction file, which this reader does not fetch.
            return Err(EnvelopeError::unsupported("instruction files"));
        }
        Err(EnvelopeError::NotEncrypted)
    }

    fn from_v2(metadata: &HashMap<String, String>) -> Result<Self, EnvelopeError> {
        let fields = Fields(metadata);
        let cek_alg = fields.require(meta::CEK_ALG)?;
        if cek_alg != CONTENT_CIPHER {
            return Err(EnvelopeError::unsupported(format!("content cipher `{cek_alg}`")));
        }
        let tag_len = fields.require(meta::TAG_LEN)?;
        if tag_len != TAG_LEN_BITS {
            return Err(EnvelopeError::unsupported(format!("tag length `{tag_len}`")));
        }
        let wrap = WrapAlgorithm::parse_v2(fields.require(meta::WRAP_ALG)?)?;
        let unencrypted_length = fields
            .get(meta::UNENCRYPTED_LENGTH)
            .map(|v| {
                v.parse().map_err(|_| EnvelopeError::MalformedMetadata {
                    field: meta::UNENCRYPTED_LENGTH,
                })
            })
            .transpose()?;
        let iv: [u8; IV_LEN] = decode(fields.require(meta::IV)?, meta::IV)?;
        if iv == [0; IV_LEN] {
            // Never random: an all-zero IV is a writer's bug or an edit.
            return Err(EnvelopeError::MalformedMetadata { field: meta::IV });
        }
        Ok(EnvelopeMetadata {
            wrapped_key: fields.bytes(meta::WRAPPED_KEY_V2)?,
            wrap,
            material_description: fields.description(meta::MATDESC)?,
            content: Content::Gcm { iv },
            unencrypted_length,
        })
    }

    fn from_v3(metadata: &HashMap<String, String>) -> Result<Self, EnvelopeError> {
        let fields = Fields(metadata);
        // Without `x-amz-3` the S3EC would look for an instruction file.
        if fields.get(meta::WRAPPED_KEY_V3).is_none() {
            return Err(EnvelopeError::unsupported("instruction files"));
        }
        let suite = fields.require(meta::CONTENT_CIPHER_V3)?;
        if suite != COMMITTING_SUITE {
            return Err(EnvelopeError::unsupported(format!("algorithm suite `{suite}`")));
        }
        let wrap = WrapAlgorithm::parse_v3(fields.require(meta::WRAP_ALG_V3)?)?;
        let wrapped_key = fields.bytes(meta::WRAPPED_KEY_V3)?;
        let message_id: [u8; MESSAGE_ID_LEN] = decode(fields.require(meta::MESSAGE_ID_V3)?, meta::MESSAGE_ID_V3)?;
        if message_id == [0; MESSAGE_ID_LEN] {
            // Never random: decryption.md refuses it.
            return Err(EnvelopeError::MalformedMetadata {
                field: meta::MESSAGE_ID_V3,
            });
        }
        let commitment = decode(fields.require(meta::KEY_COMMITMENT_V3)?, meta::KEY_COMMITMENT_V3)?;
        // `x-amz-t` belongs to kms+context and `x-amz-m` to raw keyrings; the
        // other one present means the metadata was edited.
        let (description_key, foreign_key) = match wrap {
            WrapAlgorithm::KmsContext => (meta::ENCRYPTION_CONTEXT_V3, meta::MAT_DESC_V3),
            WrapAlgorithm::AesGcm => (meta::MAT_DESC_V3, meta::ENCRYPTION_CONTEXT_V3),
        };
        if fields.get(foreign_key).is_some() {
            return Err(EnvelopeError::MalformedMetadata { field: foreign_key });
        }
        Ok(EnvelopeMetadata {
            wrapped_key,
            wrap,
            material_description: fields.description(description_key)?,
            content: Content::CommittingGcm { message_id, commitment },
            unencrypted_length: None,
        })
    }

    /// Checks that the stored description is the one expected for this object,
    /// following the S3EC rule: equal once the reserved key is set aside, and
    /// the reserved key, where present, names this object's content cipher.
    pub fn verify_context(&self, expected: &EncryptionContext) -> Result<(), EnvelopeError> {
        let mut stored = self.material_description.clone();
        let cek = stored.remove(RESERVED_CEK_ALG_CONTEXT_KEY);
        let cipher = self.format().content_cipher();
        let cek_ok = match self.wrap {
            WrapAlgorithm::KmsContext => cek.as_deref() == Some(cipher),
            WrapAlgorithm::AesGcm => cek.is_none() || cek.as_deref() == Some(cipher),
        };
        if cek_ok && &stored == expected {
            Ok(())
        } else {
            Err(EnvelopeError::ContextMismatch)
        }
    }
}

/// HKDF-SHA512 as the committing suite specifies it: the message id salts the
/// extract over the data key; `00 73 "COMMITKEY"` expands to the commitment.
fn derive_commitment(data_key: &DataKey, message_id: &[u8; MESSAGE_ID_LEN]) -> [u8; COMMITMENT_LEN] {
    let mut commitment = [0u8; COMMITMENT_LEN];
    crypto::hkdf_sha512(
        message_id,
        data_key.as_slice(),
        &[COMMITTING_SUITE_ID.as_slice(), b"COMMITKEY"].concat(),
        &mut commitment,
    );
    commitment
}

/// The content key: the same extract, `00 73 "DERIVEKEY"` expanded. A
/// reader derives it only once the commitment has matched (decryption.md).
fn derive_content_key(data_key: &DataKey, message_id: &[u8; MESSAGE_ID_LEN]) -> DataKey {
    let mut content_key = Zeroizing::new([0u8; 32]);
    crypto::hkdf_sha512(
        message_id,
        data_key.as_slice(),
        &[COMMITTING_SUITE_ID.as_slice(), b"DERIVEKEY"].concat(),
        content_key.as_mut_slice(),
    );
    content_key
}

/// The committing suite's fixed content IV: twelve `0x01` bytes. Safe because
/// every object's content key is derived from its own random message id.
const COMMITTING_IV: [u8; IV_LEN] = [0x01; IV_LEN];

/// Seals `plaintext` under `data_key` in `format`, with a fresh random IV or
/// message id; returns the content parameters and ciphertext-with-tag.
pub fn seal(format: Format, data_key: &DataKey, plaintext: &[u8]) -> Result<(Content, Vec<u8>), EnvelopeError> {
    let content = match format {
        Format::V2 => {
            let mut iv = [0u8; IV_LEN];
            rand::rng().fill_bytes(&mut iv);
            Content::Gcm { iv }
        }
        Format::V3 => {
            let mut message_id = [0u8; MESSAGE_ID_LEN];
            rand::rng().fill_bytes(&mut message_id);
            let commitment = derive_commitment(data_key, &message_id);
            Content::CommittingGcm { message_id, commitment }
        }
    };
    let ciphertext = seal_with(&content, data_key, plaintext)?;
    Ok((content, ciphertext))
}

fn seal_with(content: &Content, data_key: &DataKey, plaintext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let sealed = match content {
        Content::Gcm { iv } => crypto::gcm_seal(data_key, iv, b"", plaintext),
        Content::CommittingGcm { message_id, .. } => {
            let content_key = derive_content_key(data_key, message_id);
            crypto::gcm_seal(&content_key, &COMMITTING_IV, &COMMITTING_SUITE_ID, plaintext)
        }
    };
    // AES-GCM refuses only plaintexts past its 64 GiB limit.
    sealed.map_err(|_| EnvelopeError::SealFailed)
}

/// Opens ciphertext-with-tag in place: the buffer that held the ciphertext
/// is returned holding the plaintext, so a large object needs its size in
/// memory once, not twice. AES-GCM checks the tag over the whole ciphertext
/// before it decrypts a byte, and a failure drops the buffer, so no
/// unauthenticated plaintext exists even in memory. For V3 the commitment is
/// checked first, in constant time, so a wrong data key never reaches the
/// cipher; any change to key, IV, message id or ciphertext fails.
pub fn open(content: &Content, data_key: &DataKey, buffer: Vec<u8>) -> Result<Vec<u8>, EnvelopeError> {
    let opened = match content {
        Content::Gcm { iv } => crypto::gcm_open(data_key, iv, b"", buffer),
        Content::CommittingGcm { message_id, commitment } => {
            if !bool::from(derive_commitment(data_key, message_id).ct_eq(commitment)) {
                return Err(EnvelopeError::CommitmentMismatch);
            }
            crypto::gcm_open(
                &derive_content_key(data_key, message_id),
                &COMMITTING_IV,
                &COMMITTING_SUITE_ID,
                buffer,
            )
        }
    };
    opened.map_err(|_| EnvelopeError::Authentication)
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

    fn sample(format: Format) -> EnvelopeMetadata {
        let content = match format {
            Format::V2 => Content::Gcm { iv: [7; IV_LEN] },
            Format::V3 => Content::CommittingGcm {
                message_id: [8; MESSAGE_ID_LEN],
                commitment: [9; COMMITMENT_LEN],
            },
        };
        EnvelopeMetadata {
            wrapped_key: vec![1, 2, 3],
            wrap: WrapAlgorithm::KmsContext,
            material_description: material_description(WrapAlgorithm::KmsContext, format, &object_context("s", "k")),
            content,
            unencrypted_length: (format == Format::V2).then_some(5),
        }
    }

    fn hex32(s: &str) -> DataKey {
        Zeroizing::new(hex::decode(s).unwrap().try_into().unwrap())
    }

    /// Known answer, computed independently of this code from the spec's
    /// key-derivation.md with Python's `hmac` (HKDF-SHA512 by hand) and
    /// `cryptography`'s AESGCM: data key 00..1f, message id a0..bb, plaintext
    /// "s3-latest known answer".
    #[test]
    fn v3_key_derivation_and_content_match_the_spec_by_hand() {
        let data_key = hex32("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        let message_id: [u8; 28] = core::array::from_fn(|i| 0xa0 + i as u8);
        let (content_key, commitment) = (
            derive_content_key(&data_key, &message_id),
            derive_commitment(&data_key, &message_id),
        );
        assert_eq!(hex::encode(*content_key), KAT_CONTENT_KEY);
        assert_eq!(hex::encode(commitment), KAT_COMMITMENT);

        let content = Content::CommittingGcm { message_id, commitment };
        let ciphertext = seal_with(&content, &data_key, b"s3-latest known answer").unwrap();
        assert_eq!(hex::encode(&ciphertext), KAT_CIPHERTEXT);
        assert_eq!(
            open(&content, &data_key, ciphertext).unwrap(),
            b"s3-latest known answer"
        );
    }

    const KAT_CONTENT_KEY: &str = "a8e0c7c35a41d8aaf9ef82a872f31b9e996b7ff6318c3772987ee5470cf89946";
    const KAT_COMMITMENT: &str = "c14b6f5ff01354a12d08225323f8bb6a482599d178c7bc3660be7a3b";
    const KAT_CIPHERTEXT: &str = "bf9fb741c817f103e4e2d077a75b878463de1cfaa601f4748bf9e98685a77f68669cf71d484f";

    #[test]
    fn seal_then_open_round_trips_and_any_bit_flip_fails() {
        for format in [Format::V2, Format::V3] {
            let key = random_data_key();
            let (content, ct) = seal(format, &key, b"hello world").unwrap();
            assert_eq!(content.format(), format);
            assert_eq!(ct.len(), 11 + TAG_LEN);
            assert_eq!(open(&content, &key, ct.clone()).unwrap(), b"hello world");

            for i in 0..ct.len() {
                let mut bad = ct.clone();
                bad[i] ^= 0x01;
                assert_eq!(
                    open(&content, &key, bad),
                    Err(EnvelopeError::Authentication),
                    "{format:?} byte {i}"
                );
            }
            assert!(open(&content, &random_data_key(), ct.clone()).is_err());
        }
    }

    #[test]
    fn v3_refuses_a_wrong_commitment_or_message_id_before_decrypting() {
        let key = random_data_key();
        let (content, ct) = seal(Format::V3, &key, b"hello").unwrap();
        let Content::CommittingGcm { message_id, commitment } = content else {
            unreachable!()
        };
        let mut bad_commitment = commitment;
        bad_commitment[0] ^= 1;
        let tampered = Content::CommittingGcm {
            message_id,
            commitment: bad_commitment,
        };
        assert_eq!(
            open(&tampered, &key, ct.clone()),
            Err(EnvelopeError::CommitmentMismatch)
        );
        let mut bad_id = message_id;
        bad_id[27] ^= 1;
        let tampered = Content::CommittingGcm {
            message_id: bad_id,
            commitment,
        };
        assert_eq!(
            open(&tampered, &key, ct.clone()),
            Err(EnvelopeError::CommitmentMismatch)
        );
        // Another data key fails at the commitment, never at the cipher.
        assert_eq!(
            open(&content, &random_data_key(), ct.clone()),
            Err(EnvelopeError::CommitmentMismatch)
        );
    }

    #[test]
    fn v2_metadata_uses_s3ec_names_and_round_trips() {
        let m = sample(Format::V2);
        let s3 = m.to_s3_metadata();
        assert_eq!(s3["x-amz-cek-alg"], "AES/GCM/NoPadding");
        assert_eq!(s3["x-amz-wrap-alg"], "kms+context");
        assert_eq!(s3["x-amz-tag-len"], "128");
        assert_eq!(s3["x-amz-unencrypted-content-length"], "5");
        assert_eq!(
            s3["x-amz-matdesc"],
            r#"{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","s3-latest:key":"k","s3-latest:store":"s"}"#
        );
        assert_eq!(EnvelopeMetadata::from_s3_metadata(&s3).unwrap(), m);
    }

    #[test]
    fn v3_metadata_uses_s3ec_names_and_round_trips() {
        let m = sample(Format::V3);
        let s3 = m.to_s3_metadata();
        let mut keys: Vec<&str> = s3.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["x-amz-3", "x-amz-c", "x-amz-d", "x-amz-i", "x-amz-t", "x-amz-w"]);
        assert_eq!(s3["x-amz-c"], "115");
        assert_eq!(s3["x-amz-w"], "12");
        assert_eq!(
            s3["x-amz-t"],
            r#"{"aws:x-amz-cek-alg":"115","s3-latest:key":"k","s3-latest:store":"s"}"#
        );
        assert_eq!(EnvelopeMetadata::from_s3_metadata(&s3).unwrap(), m);

        let mut local = sample(Format::V3);
        local.wrap = WrapAlgorithm::AesGcm;
        local.material_description = object_context("s", "k");
        let s3 = local.to_s3_metadata();
        assert_eq!(s3["x-amz-w"], "02");
        assert_eq!(s3["x-amz-m"], r#"{"s3-latest:key":"k","s3-latest:store":"s"}"#);
        assert!(!s3.contains_key("x-amz-t"));
        assert_eq!(EnvelopeMetadata::from_s3_metadata(&s3).unwrap(), local);
    }

    fn parse_with(format: Format, edit: impl FnOnce(&mut HashMap<String, String>)) -> Result<(), EnvelopeError> {
        let mut s3 = sample(format).to_s3_metadata();
        edit(&mut s3);
        EnvelopeMetadata::from_s3_metadata(&s3).map(|_| ())
    }

    #[test]
    fn unknown_partial_and_mixed_metadata_get_precise_errors() {
        assert_eq!(
            EnvelopeMetadata::from_s3_metadata(&HashMap::new()),
            Err(EnvelopeError::NotEncrypted)
        );
        let unsupported = |r: Result<(), EnvelopeError>| matches!(r, Err(EnvelopeError::UnsupportedFormat { .. }));

        // Unknown suite, wrapping, cipher, tag length; V1; instruction files.
        assert!(unsupported(parse_with(Format::V3, |m| {
            m.insert("x-amz-c".into(), "116".into());
        })));
        assert!(unsupported(parse_with(Format::V3, |m| {
            m.insert("x-amz-w".into(), "22".into());
        })));
        assert!(unsupported(parse_with(Format::V2, |m| {
            m.insert("x-amz-cek-alg".into(), "AES/CBC/PKCS5Padding".into());
        })));
        assert!(unsupported(parse_with(Format::V2, |m| {
            m.insert("x-amz-tag-len".into(), "96".into());
        })));
        assert!(unsupported(parse_with(Format::V2, |m| {
            let v = m.remove("x-amz-key-v2").unwrap();
            m.insert("x-amz-key".into(), v);
        })));
        assert!(unsupported(parse_with(Format::V3, |m| {
            m.remove("x-amz-3");
        })));

        // A V2/V3 mix, either way round.
        assert_eq!(
            parse_with(Format::V3, |m| {
                m.insert("x-amz-iv".into(), "AAAAAAAAAAAAAAAA".into());
            }),
            Err(EnvelopeError::MixedFormats {
                first: "x-amz-iv",
                second: "x-amz-3"
            })
        );
        assert!(matches!(
            parse_with(Format::V2, |m| {
                m.insert("x-amz-d".into(), "AAAA".into());
            }),
            Err(EnvelopeError::MixedFormats { .. })
        ));

        // Missing or malformed V3 fields are named.
        for (field, value) in [
            ("x-amz-i", Some("AAAA")),
            ("x-amz-d", Some("not base64!")),
            ("x-amz-i", None),
            ("x-amz-d", None),
            ("x-amz-w", None),
            ("x-amz-t", Some("{not json")),
        ] {
            assert_eq!(
                parse_with(Format::V3, |m| match value {
                    Some(v) => {
                        m.insert(field.into(), v.into());
                    }
                    None => {
                        m.remove(field);
                    }
                }),
                Err(EnvelopeError::MalformedMetadata { field }),
                "{field} = {value:?}"
            );
        }
        // A raw-keyring description on a KMS object.
        assert_eq!(
            parse_with(Format::V3, |m| {
                m.insert("x-amz-m".into(), "{}".into());
            }),
            Err(EnvelopeError::MalformedMetadata { field: "x-amz-m" })
        );
        assert_eq!(
            parse_with(Format::V2, |m| {
                m.insert("x-amz-iv".into(), "AAAA".into());
            }),
            Err(EnvelopeError::MalformedMetadata { field: "x-amz-iv" })
        );
    }

    #[test]
    fn context_must_name_this_store_key_and_cipher() {
        for format in [Format::V2, Format::V3] {
            let m = sample(format);
            assert_eq!(m.verify_context(&object_context("s", "k")), Ok(()));
            assert_eq!(
                m.verify_context(&object_context("s", "renamed")),
                Err(EnvelopeError::ContextMismatch)
            );
            assert_eq!(
                m.verify_context(&object_context("other", "k")),
                Err(EnvelopeError::ContextMismatch)
            );
            let mut wrong_cipher = m.clone();
            let other = match format {
                Format::V2 => COMMITTING_SUITE,
                Format::V3 => CONTENT_CIPHER,
            };
            wrong_cipher
                .material_description
                .insert(RESERVED_CEK_ALG_CONTEXT_KEY.into(), other.into());
            assert_eq!(
                wrong_cipher.verify_context(&object_context("s", "k")),
                Err(EnvelopeError::ContextMismatch),
                "{format:?}"
            );
        }
    }

    #[test]
    fn an_all_zero_message_id_or_iv_is_refused() {
        let mut v3 = sample(Format::V3);
        v3.content = Content::CommittingGcm {
            message_id: [0; MESSAGE_ID_LEN],
            commitment: [9; COMMITMENT_LEN],
        };
        assert_eq!(
            EnvelopeMetadata::from_s3_metadata(&v3.to_s3_metadata()),
            Err(EnvelopeError::MalformedMetadata {
                field: meta::MESSAGE_ID_V3
            })
        );
        let mut v2 = sample(Format::V2);
        v2.content = Content::Gcm { iv: [0; IV_LEN] };
        assert_eq!(
            EnvelopeMetadata::from_s3_metadata(&v2.to_s3_metadata()),
            Err(EnvelopeError::MalformedMetadata { field: meta::IV })
        );
    }
}
