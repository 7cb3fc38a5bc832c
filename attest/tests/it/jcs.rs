//! RFC 8785 canonical JSON, which a Rekor v1 SET signs: numbers as
//! ECMAScript writes them, integers beyond 2^53 included.

use std::path::Path;

use sbomctl_attest::bundle::{LogId, TransparencyLogEntry};
use sbomctl_attest::key::PrivateKey;
use sbomctl_attest::verify::keyless::jcs::canonicalize;
use sbomctl_attest::verify::keyless::tlog::set_payload;
use serde_json::Value;

fn jcs(value: &Value) -> String {
    String::from_utf8(canonicalize(value)).unwrap()
}

fn jcs_of_bits(bits: u64) -> String {
    jcs(&Value::from(f64::from_bits(bits)))
}

/// RFC 8785 Appendix B, every finite value (NaN and Infinity cannot be
/// JSON).
#[test]
fn rfc8785_appendix_b_numbers() {
    for (bits, expected) in [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
        (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xc340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"),
        (0x44b5_2d02_c7e1_4af6, "1e+23"),
        (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
        (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
        (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"),
        (0x444b_1ae4_d6e2_ef50, "1e+21"),
        (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"),
        (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
        (0x41b3_de43_5555_5553, "333333333.3333332"),
        (0x41b3_de43_5555_5554, "333333333.33333325"),
        (0x41b3_de43_5555_5555, "333333333.3333333"),
        (0x41b3_de43_5555_5556, "333333333.3333334"),
        (0x41b3_de43_5555_5557, "333333333.33333343"),
        (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
        (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
    ] {
        assert_eq!(jcs_of_bits(bits), expected, "{bits:016x}");
    }
}

/// RFC 8785 §3.2.2.3's example and the integers Appendix B implies: JSON
/// text in, canonical text out.
#[test]
fn rfc8785_number_text_is_reparsed_as_a_double() {
    let v: Value = serde_json::from_str(
        r#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}"#,
    )
    .unwrap();
    assert_eq!(
        jcs(&v),
        r#"{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}"#
    );
    let v: Value = serde_json::from_str(
        "[9007199254740993, -9007199254740993, 18446744073709551615, \
         -9223372036854775808, 295147905179352825856, 1e21, 123456789012345678901234]",
    )
    .unwrap();
    assert_eq!(
        jcs(&v),
        "[9007199254740992,-9007199254740992,18446744073709552000,\
         -9223372036854776000,295147905179352830000,1e+21,1.2345678901234569e+23]"
    );
}

/// 2,000 doubles against Node.js's `Number.prototype.toString`.
#[test]
fn numbers_match_ecmascript() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/jcs/numbers.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let (hex, expected) = line.split_once(' ').unwrap();
        let bits = u64::from_str_radix(hex, 16).unwrap();
        assert_eq!(jcs_of_bits(bits), expected, "{hex}");
        checked += 1;
    }
    assert!(checked >= 1990, "only {checked} vectors");
}

/// The SET payload of an entry whose integrated time and log index are
/// beyond 2^53: Rekor (Go) canonicalises through `float64`, so the signed
/// bytes carry the rounded values, and so must ours or the SET fails.
#[test]
fn set_payload_rounds_integers_beyond_2_pow_53_like_rekor() {
    let entry = TransparencyLogEntry {
        log_index: 9_007_199_254_740_993,
        integrated_time: 9_007_199_254_740_995,
        canonicalized_body: b"{}".to_vec(),
        log_id: Some(LogId {
            key_id: vec![0xc0, 0xd2],
            ..LogId::default()
        }),
        ..TransparencyLogEntry::default()
    };
    let expected = r#"{"body":"e30=","integratedTime":9007199254740996,"logID":"c0d2","logIndex":9007199254740992}"#;
    let payload = set_payload(&entry, &[0xc0, 0xd2]);
    assert_eq!(String::from_utf8(payload.clone()).unwrap(), expected);

    // A SET a log made over Rekor's bytes verifies over ours.
    let log = PrivateKey::generate_p256().unwrap();
    let set = log.sign(expected.as_bytes()).unwrap();
    log.public_key().verify(&payload, &set).unwrap();
}
