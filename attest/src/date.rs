//! Times in the formats Sigstore documents use, parsed by the `time` crate
//! (never by hand: a calendar is easy to get subtly wrong, and a
//! trusted root's `2023-02-31` must be refused, not rolled over).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Seconds since the Unix epoch of an RFC 3339 time, as a trusted root
/// writes them (`2021-01-12T11:53:27Z`, `2022-04-13T20:06:15.000Z`,
/// `2023-11-15T00:13:20+02:00`). Fractions of a second are dropped.
///
/// # Errors
/// Why `text` is not a valid RFC 3339 time (a bad field, a day the month
/// does not have, a missing offset).
pub(crate) fn parse_rfc3339(text: &str) -> Result<i64, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| format!("not an RFC 3339 time: {e}"))
}

/// Seconds since the Unix epoch of a DER `GeneralizedTime` value,
/// `YYYYMMDDHHMMSS[.f*]Z` (RFC 3161 §2.4.2 allows fractional seconds, which
/// are dropped).
///
/// # Errors
/// Why `value` is not such a time.
pub(crate) fn parse_generalized_time(value: &[u8]) -> Result<i64, String> {
    let format = format_description!(
        "[year repr:full][month][day][hour][minute][second][optional [.[subsecond]]]Z"
    );
    let text = std::str::from_utf8(value).map_err(|_| "not ASCII".to_owned())?;
    PrimitiveDateTime::parse(text, &format)
        .map(|t| t.assume_utc().unix_timestamp())
        .map_err(|e| format!("not a GeneralizedTime (YYYYMMDDHHMMSS[.f]Z): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_parses_utc_fractions_and_offsets() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20.123Z"), Ok(1_700_000_000));
        assert_eq!(
            parse_rfc3339("2023-11-15T00:13:20+02:00"),
            Ok(1_700_000_000)
        );
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Ok(1_709_164_800));
    }

    #[test]
    fn rfc3339_rejects_days_the_month_lacks_and_bad_fields() {
        for bad in [
            "2023-02-31T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-04-31T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2023-13-14T22:13:20Z",
            "2023-00-10T00:00:00Z",
            "2023-01-00T00:00:00Z",
            "2023-01-01T24:00:00Z",
            "2023-01-01T00:60:00Z",
            "2023-01-01T00:00:00",
            "2023-01-01",
            "2023-1-01T00:00:00Z",
            "",
        ] {
            let err = parse_rfc3339(bad).unwrap_err();
            assert!(err.starts_with("not an RFC 3339 time"), "{bad}: {err}");
        }
    }

    #[test]
    fn generalized_time_parses_with_and_without_fractions() {
        assert_eq!(
            parse_generalized_time(b"20231114221320Z"),
            Ok(1_700_000_000)
        );
        assert_eq!(
            parse_generalized_time(b"20231114221320.123Z"),
            Ok(1_700_000_000)
        );
        for bad in [
            &b"2023111422132Z"[..],
            b"20231114221320",
            b"20230231000000Z",
            b"20231114221320+0100",
            b"\xff",
        ] {
            assert!(parse_generalized_time(bad).is_err(), "{bad:?}");
        }
    }
}
