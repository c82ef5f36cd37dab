//! Content encryption: AES-256-GCM under the data key (V2), or under a key
//! HKDF-SHA512 derives from it with a key commitment (V3).

use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{DataKey, EnvelopeError, Format};
use crate::crypto;

/// The committing suite's id as bytes: HKDF info prefix and content AAD.
const COMMITTING_SUITE_ID: [u8; 2] = [0x00, 0x73];
pub(super) const IV_LEN: usize = 12;
/// The AES-GCM tag length in bytes; ciphertext is plaintext plus this.
pub const TAG_LEN: usize = 16;
pub(super) const MESSAGE_ID_LEN: usize = 28;
pub(super) const COMMITMENT_LEN: usize = 28;

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
}
