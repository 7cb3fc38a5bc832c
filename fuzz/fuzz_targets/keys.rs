//! Key files: PEM public keys (`cosign.pub`, PKIX and PKCS#1), private
//! keys for `import-key-pair` (PKCS#8, SEC1, PKCS#1) and cosign's encrypted
//! private keys (scrypt + secretbox; the scrypt cost is bounded by the
//! parser, so a hostile cost parameter must fail fast, not hang).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::key::{self, cosign_key, PublicKey};

fuzz_target!(|data: &[u8]| {
    let _ = PublicKey::from_spki_der(data);
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = PublicKey::from_pem(s) {
        let _ = k.to_pem();
        let _ = k.verify(b"message", b"signature");
    }
    let _ = key::import(s);
    let _ = cosign_key::decrypt(s, b"hello");
});
