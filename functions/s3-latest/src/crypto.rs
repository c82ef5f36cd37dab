//! The cryptographic primitives, all from aws-lc-rs: the provider rustls
//! already links for TLS, so one implementation serves both. AES-256-GCM
//! (whose `open_in_place` checks the tag before it releases a byte),
//! HKDF-SHA512, HMAC-SHA-256 and SHA-256.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::digest;
use aws_lc_rs::hkdf;
use aws_lc_rs::hmac;

/// AES-GCM's tag, appended to every ciphertext.
pub const GCM_TAG_LEN: usize = 16;

/// AES-GCM refused the operation: a wrong key or tag, or a buffer past its
/// limits. No detail, by design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unspecified;

fn key(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("32 bytes is an AES-256 key"))
}

/// `plaintext` sealed under `key` with this `iv` and `aad`: ciphertext, then tag.
pub fn gcm_seal(key_bytes: &[u8; 32], iv: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Unspecified> {
    let mut sealed = Vec::with_capacity(plaintext.len() + GCM_TAG_LEN);
    sealed.extend_from_slice(plaintext);
    key(key_bytes)
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(*iv), Aad::from(aad), &mut sealed)
        .map_err(|_| Unspecified)?;
    Ok(sealed)
}

/// Opens ciphertext-with-tag in `buffer`, in place: on success the buffer
/// holds the plaintext; on failure it is dropped, unread.
pub fn gcm_open(key_bytes: &[u8; 32], iv: &[u8; 12], aad: &[u8], mut buffer: Vec<u8>) -> Result<Vec<u8>, Unspecified> {
    let len = key(key_bytes)
        .open_in_place(Nonce::assume_unique_for_key(*iv), Aad::from(aad), &mut buffer)
        .map_err(|_| Unspecified)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

/// An output length for HKDF's expand.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-SHA512: extract `ikm` with `salt`, expand `info` into `out`.
pub fn hkdf_sha512(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    hkdf::Salt::new(hkdf::HKDF_SHA512, salt)
        .extract(ikm)
        .expand(&[info], Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .expect("HKDF-SHA512 expands up to 255 × 64 bytes");
}

/// HMAC-SHA-256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message)
        .as_ref()
        .try_into()
        .expect("HMAC-SHA-256 is 32 bytes")
}

/// SHA-256 of the parts, in order.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part);
    }
    context.finish().as_ref().try_into().expect("SHA-256 is 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_round_trips_and_refuses_any_change() {
        let (k, iv) = ([7u8; 32], [1u8; 12]);
        let sealed = gcm_seal(&k, &iv, b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + GCM_TAG_LEN);
        assert_eq!(gcm_open(&k, &iv, b"aad", sealed.clone()).unwrap(), b"hello");
        assert_eq!(gcm_open(&k, &iv, b"other", sealed.clone()), Err(Unspecified));
        let mut flipped = sealed;
        flipped[0] ^= 1;
        assert_eq!(gcm_open(&k, &iv, b"aad", flipped), Err(Unspecified));
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(
            hex::encode(sha256(&[b"a", b"bc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
