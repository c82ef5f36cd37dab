//! Where data keys come from: a narrow trait with a KMS implementation for
//! AWS and a raw AES wrapping key for local mode. A second trait,
//! [`TriggerTags`], is ingest's alone: a keyed tag that names a trigger's
//! object, so nobody without the key can tell (and so write first) where a
//! trigger to come will write.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, MacAlgorithmSpec};
use rand::RngCore;
use zeroize::Zeroizing;

use crate::aws_error;
use crate::envelope::{CONTENT_CIPHER, DataKey, EncryptionContext, Format, WrapAlgorithm, random_data_key};

/// A fresh data key in both forms: plaintext to encrypt with, wrapped to store.
pub struct GeneratedKey {
    pub plaintext: DataKey,
    pub wrapped: Vec<u8>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyError {
    #[error("key service unavailable ({code})")]
    Unavailable { code: String },
    #[error("key service refused the request ({code})")]
    Refused { code: String },
    #[error("the wrapped data key does not open under this key and context")]
    InvalidCiphertext,
    #[error("local key file {path}: {reason}")]
    LocalKeyFile { path: PathBuf, reason: String },
}

/// One capability: make and unwrap data keys for an encryption context.
pub trait KeyProvider: Send + Sync + 'static {
    /// The `x-amz-wrap-alg` this provider writes and reads.
    fn wrap_algorithm(&self) -> WrapAlgorithm;

    /// A data key for an object of `format`, wrapped under this description.
    fn generate_data_key(
        &self,
        format: Format,
        material_description: &EncryptionContext,
    ) -> impl Future<Output = Result<GeneratedKey, KeyError>> + Send;

    fn decrypt_data_key(
        &self,
        format: Format,
        wrapped: &[u8],
        material_description: &EncryptionContext,
    ) -> impl Future<Output = Result<DataKey, KeyError>> + Send;
}

/// Keyed tags (HMAC-SHA-256) of what ingest names and writes, under a key
/// only ingest may use. Retries of one trigger get the same tags; anyone
/// without the key can compute neither.
pub trait TriggerTags: Send + Sync + 'static {
    fn tag(&self, what: &Tagged<'_>) -> impl Future<Output = Result<Tag, KeyError>> + Send;
}

/// HMAC-SHA-256 output.
pub type Tag = [u8; 32];

/// What a tag is of. Each kind has its own label and every field a length,
/// so no tag of one thing passes as the tag of another.
#[derive(Debug, Clone, Copy)]
pub enum Tagged<'a> {
    /// A trigger's name: the key of its object derives from this tag (see
    /// [`crate::object_key::trigger_key`]), so nobody else can know that key,
    /// and write it first, before ingest does.
    Trigger { name: &'a str },
    /// What ingest wrote at a key: the marker a redelivery checks before it
    /// claims the object as the trigger's.
    Object {
        key: &'a str,
        content_type: &'a str,
        wrapped_key: &'a [u8],
    },
}

impl Tagged<'_> {
    fn message(&self) -> Vec<u8> {
        let (label, fields): (&[u8], Vec<&[u8]>) = match self {
            Tagged::Trigger { name } => (b"s3-latest trigger v1", vec![name.as_bytes()]),
            Tagged::Object {
                key,
                content_type,
                wrapped_key,
            } => (
                b"s3-latest object v1",
                vec![key.as_bytes(), content_type.as_bytes(), wrapped_key],
            ),
        };
        let mut message = label.to_vec();
        for field in fields {
            message.extend((field.len() as u64).to_be_bytes());
            message.extend(field);
        }
        message
    }
}

/// KMS with the S3EC `kms+context` wrapping: the material description is the
/// KMS encryption context, so KMS itself refuses a copied object.
#[derive(Clone)]
pub struct KmsKeyring {
    client: aws_sdk_kms::Client,
    key_id: String,
    /// The HMAC key (`HMAC_256`) ingest tags with: KMS keeps it,
    /// and its key policy lets ingest's role alone call `GenerateMac`.
    trigger_key_id: Option<String>,
}

impl KmsKeyring {
    pub fn new(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        KmsKeyring {
            client,
            key_id: key_id.into(),
            trigger_key_id: None,
        }
    }

    /// Tags triggers with this HMAC key (ingest needs one; retrieve never tags).
    pub fn with_trigger_key(mut self, key_id: impl Into<String>) -> Self {
        self.trigger_key_id = Some(key_id.into());
        self
    }
}

impl TriggerTags for KmsKeyring {
    async fn tag(&self, what: &Tagged<'_>) -> Result<Tag, KeyError> {
        let key_id = self.trigger_key_id.as_ref().ok_or(KeyError::Refused {
            code: "NoTriggerKey".into(),
        })?;
        let out = self
            .client
            .generate_mac()
            .key_id(key_id)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(Blob::new(what.message()))
            .send()
            .await
            .map_err(|e| kms_failure(&e))?;
        out.mac
            .and_then(|blob| Tag::try_from(blob.into_inner()).ok())
            .ok_or(KeyError::Refused {
                code: "MalformedMac".into(),
            })
    }
}

fn kms_failure<E: aws_sdk_kms::error::ProvideErrorMetadata>(
    err: &aws_sdk_kms::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> KeyError {
    aws_error::into_error(
        err,
        |code| KeyError::Unavailable { code },
        |code| KeyError::Refused { code },
    )
}

impl KeyProvider for KmsKeyring {
    fn wrap_algorithm(&self) -> WrapAlgorithm {
        WrapAlgorithm::KmsContext
    }

    async fn generate_data_key(
        &self,
        _format: Format,
        material_description: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(Some(material_description.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| kms_failure(&e))?;
        let plaintext = out
            .plaintext
            .and_then(|blob| <[u8; 32]>::try_from(blob.into_inner()).ok())
            .ok_or(KeyError::Refused {
                code: "MalformedDataKey".into(),
            })?;
        let wrapped = out.ciphertext_blob.ok_or(KeyError::Refused {
            code: "MissingCiphertextBlob".into(),
        })?;
        Ok(GeneratedKey {
            plaintext: Zeroizing::new(plaintext),
            wrapped: wrapped.into_inner(),
        })
    }

    async fn decrypt_data_key(
        &self,
        _format: Format,
        wrapped: &[u8],
        material_description: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        let out = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(wrapped))
            .set_encryption_context(Some(material_description.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| {
                // InvalidCiphertext: the wrapped key or its context was altered.
                // IncorrectKey: it was wrapped under another key than ours, which
                // anyone can do with a key of their own. Either way the object is
                // not ours (and retrieve skips it); refusals (a disabled key, a
                // revoked grant) stay refusals.
                let tampered = e
                    .as_service_error()
                    .is_some_and(|s| s.is_invalid_ciphertext_exception() || s.is_incorrect_key_exception());
                if tampered {
                    KeyError::InvalidCiphertext
                } else {
                    kms_failure(&e)
                }
            })?;
        out.plaintext
            .and_then(|blob| <[u8; 32]>::try_from(blob.into_inner()).ok())
            .map(Zeroizing::new)
            .ok_or(KeyError::InvalidCiphertext)
    }
}

const WRAP_IV_LEN: usize = 12;

/// Additional data of the local wrap. The S3EC raw AES keyring authenticates
/// only the content cipher's name (`AES/GCM/NoPadding` for V2, the suite id
/// `115` for V3), so anyone who can write to the bucket could edit an
/// object's material description and replay it under another key. We append
/// the description (canonical JSON, after a NUL), so an edited one fails to
/// unwrap, as KMS refuses an edited encryption context. An empty description
/// gives exactly the S3EC's additional data.
fn wrap_aad(content_cipher: &str, material_description: &EncryptionContext) -> Vec<u8> {
    let mut aad = content_cipher.as_bytes().to_vec();
    if !material_description.is_empty() {
        aad.push(0);
        aad.extend(serde_json::to_vec(material_description).expect("string map serialises"));
    }
    aad
}

/// The S3EC raw AES keyring (`AES/GCM` wrapping) over a 256-bit key kept in a
/// file. The wrapped key is `iv || AES-GCM(key, data key, aad)`, as the S3EC
/// writes it; see [`wrap_aad`] for the one place where we go further.
#[derive(Clone)]
pub struct LocalAesKeyring {
    key: DataKey,
    /// Derived from the key file's key, for [`TriggerTags`]: one file keeps
    /// both secrets, and the wrapping key itself never tags anything.
    tag_key: DataKey,
}

impl LocalAesKeyring {
    pub fn from_key(key: &[u8; 32]) -> Self {
        let mut tag_key = Zeroizing::new([0u8; 32]);
        crate::crypto::hkdf_sha512(&[], key, b"s3-latest local trigger tags", tag_key.as_mut_slice());
        LocalAesKeyring {
            key: Zeroizing::new(*key),
            tag_key,
        }
    }

    /// Loads the key file, creating it with a random key and mode 0600 on first use.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let fail = |reason: String| KeyError::LocalKeyFile {
            path: path.to_owned(),
            reason,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key = <[u8; 32]>::try_from(bytes.as_slice())
                    .map_err(|_| fail(format!("expected 32 bytes, found {}", bytes.len())))?;
                Ok(Self::from_key(&key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_data_key();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(|e| fail(e.to_string()))?;
                file.write_all(key.as_slice())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| fail(e.to_string()))?;
                Ok(Self::from_key(&key))
            }
            Err(e) => Err(fail(e.to_string())),
        }
    }
}

impl KeyProvider for LocalAesKeyring {
    fn wrap_algorithm(&self) -> WrapAlgorithm {
        WrapAlgorithm::AesGcm
    }

    async fn generate_data_key(
        &self,
        format: Format,
        material_description: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        let plaintext = random_data_key();
        let mut iv = [0u8; WRAP_IV_LEN];
        rand::rng().fill_bytes(&mut iv);
        let sealed = crate::crypto::gcm_seal(
            &self.key,
            &iv,
            &wrap_aad(format.content_cipher(), material_description),
            plaintext.as_slice(),
        )
        .map_err(|_| KeyError::Refused {
            code: "LocalWrapFailed".into(),
        })?;
        let mut wrapped = iv.to_vec();
        wrapped.extend_from_slice(&sealed);
        Ok(GeneratedKey { plaintext, wrapped })
    }

    async fn decrypt_data_key(
        &self,
        format: Format,
        wrapped: &[u8],
        material_description: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        let (iv, sealed) = wrapped
            .split_at_checked(WRAP_IV_LEN)
            .ok_or(KeyError::InvalidCiphertext)?;
        let iv: &[u8; WRAP_IV_LEN] = iv.try_into().map_err(|_| KeyError::InvalidCiphertext)?;
        let open = |cipher_name: &str| {
            crate::crypto::gcm_open(
                &self.key,
                iv,
                &wrap_aad(cipher_name, material_description),
                sealed.to_vec(),
            )
        };
        // V3 objects written before the suite id became their AAD carry the
        // V2 name: both are authenticated under this key, so either opens.
        let plaintext = open(format.content_cipher())
            .or_else(|e| match format {
                Format::V3 => open(CONTENT_CIPHER),
                Format::V2 => Err(e),
            })
            .map_err(|_| KeyError::InvalidCiphertext)?;
        <[u8; 32]>::try_from(plaintext.as_slice())
            .map(Zeroizing::new)
            .map_err(|_| KeyError::InvalidCiphertext)
    }
}

impl TriggerTags for LocalAesKeyring {
    async fn tag(&self, what: &Tagged<'_>) -> Result<Tag, KeyError> {
        Ok(crate::crypto::hmac_sha256(self.tag_key.as_slice(), &what.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_tags_are_stable_per_key_and_kept_apart_by_kind_and_field() {
        let ring = LocalAesKeyring::from_key(&[1; 32]);
        let trigger = |name| Tagged::Trigger { name };
        let tag = ring.tag(&trigger("schedule arn 1")).await.unwrap();
        assert_eq!(ring.tag(&trigger("schedule arn 1")).await.unwrap(), tag);
        assert_ne!(ring.tag(&trigger("schedule arn 2")).await.unwrap(), tag);
        let other = LocalAesKeyring::from_key(&[2; 32]);
        assert_ne!(other.tag(&trigger("schedule arn 1")).await.unwrap(), tag);
        assert_ne!(tag, crate::crypto::sha256(&[b"schedule arn 1"]));
        // Fields are length-prefixed: moving a byte between them is another tag.
        let object = |key, content_type| Tagged::Object {
            key,
            content_type,
            wrapped_key: b"w",
        };
        assert_ne!(
            ring.tag(&object("k/a", "b")).await.unwrap(),
            ring.tag(&object("k/", "ab")).await.unwrap()
        );
    }

    #[tokio::test]
    async fn local_keyring_wraps_and_unwraps_and_refuses_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.key");
        let ring = LocalAesKeyring::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let ctx = EncryptionContext::new();
        let generated = ring.generate_data_key(Format::V2, &ctx).await.unwrap();
        assert_eq!(generated.wrapped.len(), 12 + 32 + 16);

        // The same file gives the same key after a restart.
        let reloaded = LocalAesKeyring::load_or_create(&path).unwrap();
        assert_eq!(
            *reloaded
                .decrypt_data_key(Format::V2, &generated.wrapped, &ctx)
                .await
                .unwrap(),
            *generated.plaintext
        );

        let mut tampered = generated.wrapped.clone();
        tampered[20] ^= 1;
        assert!(matches!(
            ring.decrypt_data_key(Format::V2, &tampered, &ctx).await,
            Err(KeyError::InvalidCiphertext)
        ));
        // The description is authenticated: another one does not unwrap.
        let described = crate::envelope::object_context("store", "k1");
        let bound = ring.generate_data_key(Format::V2, &described).await.unwrap();
        assert_eq!(
            *ring
                .decrypt_data_key(Format::V2, &bound.wrapped, &described)
                .await
                .unwrap(),
            *bound.plaintext
        );
        let edited = crate::envelope::object_context("store", "k2");
        assert!(matches!(
            ring.decrypt_data_key(Format::V2, &bound.wrapped, &edited).await,
            Err(KeyError::InvalidCiphertext)
        ));
        // An empty description is the S3EC raw AES keyring's wrap exactly.
        let (iv, sealed) = generated.wrapped.split_at(12);
        let file_key: [u8; 32] = std::fs::read(&path).unwrap().try_into().unwrap();
        let s3ec =
            crate::crypto::gcm_open(&file_key, iv.try_into().unwrap(), b"AES/GCM/NoPadding", sealed.to_vec()).unwrap();
        assert_eq!(s3ec.as_slice(), generated.plaintext.as_slice());

        // For V3 the official raw AES keyring authenticates the suite id.
        let v3 = ring.generate_data_key(Format::V3, &ctx).await.unwrap();
        let (iv, sealed) = v3.wrapped.split_at(12);
        let s3ec_v3 = crate::crypto::gcm_open(&file_key, iv.try_into().unwrap(), b"115", sealed.to_vec()).unwrap();
        assert_eq!(s3ec_v3.as_slice(), v3.plaintext.as_slice());
        // A V3 object wrapped before that (under the V2 name) still opens.
        assert_eq!(
            *ring
                .decrypt_data_key(Format::V3, &generated.wrapped, &ctx)
                .await
                .unwrap(),
            *generated.plaintext
        );

        let other = LocalAesKeyring::from_key(&[9; 32]);
        assert!(matches!(
            other.decrypt_data_key(Format::V2, &generated.wrapped, &ctx).await,
            Err(KeyError::InvalidCiphertext)
        ));
    }

    #[test]
    fn a_key_file_of_the_wrong_size_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.key");
        std::fs::write(&path, b"short").unwrap();
        let err = LocalAesKeyring::load_or_create(&path).err().unwrap();
        assert!(err.to_string().contains("expected 32 bytes, found 5"), "{err}");
    }
}
