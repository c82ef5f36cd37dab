//! The encryption context: what binds an object to its store, its key and
//! its Content-Type, and the S3EC rule for checking it on read.

use std::collections::BTreeMap;

use super::{EnvelopeError, EnvelopeMetadata, Format, WrapAlgorithm};

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

impl EnvelopeMetadata {
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

#[cfg(test)]
mod tests {
    use super::super::metadata::tests::sample;
    use super::super::{COMMITTING_SUITE, CONTENT_CIPHER};
    use super::*;

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
}
