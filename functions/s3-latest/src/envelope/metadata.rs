//! The codec between [`EnvelopeMetadata`] and S3 user metadata, following
//! the spec's "determining S3EC object status".

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::cipher::{IV_LEN, MESSAGE_ID_LEN};
use super::{COMMITTING_SUITE, CONTENT_CIPHER, Content, EncryptionContext, EnvelopeError, Format, WrapAlgorithm};

const TAG_LEN_BITS: &str = "128";

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
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::cipher::COMMITMENT_LEN;
    use super::super::{material_description, object_context};
    use super::*;

    pub(in crate::envelope) fn sample(format: Format) -> EnvelopeMetadata {
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
