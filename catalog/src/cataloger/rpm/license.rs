//! rpm `License:` values to SPDX.
//!
//! Distros write either SPDX expressions (Fedora ≥ 38, SUSE:
//! `LGPL-2.1-or-later AND MIT`) or Fedora's older short names joined with
//! lowercase operators (`GPLv2+ and (MIT or BSD)`). The first kind is
//! parsed as SPDX; the second is split on `and`/`or`/`with` and
//! parentheses, and maps only when every name does: through the short
//! names below (from Fedora's license list, only those that name exactly
//! one SPDX license) or the general mapping
//! ([`crate::license::spdx_for`]). Ambiguous names (`BSD`, `LGPLv2`,
//! `Public Domain`) keep the whole value unmapped.

/// Fedora short names that name exactly one SPDX license.
const FEDORA_NAMES: &[(&str, &str)] = &[
    ("AGPLv3", "AGPL-3.0-only"),
    ("AGPLv3+", "AGPL-3.0-or-later"),
    ("ASL 1.1", "Apache-1.1"),
    ("ASL 2.0", "Apache-2.0"),
    ("Artistic 2.0", "Artistic-2.0"),
    ("Boost", "BSL-1.0"),
    ("CC0", "CC0-1.0"),
    ("GPL+", "GPL-1.0-or-later"),
    ("GPLv2", "GPL-2.0-only"),
    ("GPLv2+", "GPL-2.0-or-later"),
    ("GPLv3", "GPL-3.0-only"),
    ("GPLv3+", "GPL-3.0-or-later"),
    ("LGPLv2+", "LGPL-2.0-or-later"),
    ("LGPLv3", "LGPL-3.0-only"),
    ("LGPLv3+", "LGPL-3.0-or-later"),
    ("MPLv1.0", "MPL-1.0"),
    ("MPLv1.1", "MPL-1.1"),
    ("MPLv2.0", "MPL-2.0"),
    ("OpenSSL", "OpenSSL"),
    ("zlib", "Zlib"),
];

/// Longest value mapped; longer ones stay declared only.
const MAX_LEN: usize = 4096;

/// The SPDX expression for one rpm `License:` value, `None` unless every
/// license in it maps.
pub(super) fn to_spdx(declared: &str) -> Option<String> {
    let declared = declared.trim();
    if declared.is_empty() || declared.len() > MAX_LEN {
        return None;
    }
    if let Some(e) = crate::license::spdx_for(declared) {
        return Some(e);
    }
    let mut out = String::new();
    let mut words: Vec<&str> = Vec::new();
    let mut after_with = false;
    let flush = |words: &mut Vec<&str>, out: &mut String, exception: bool| -> Option<()> {
        if words.is_empty() {
            return Some(());
        }
        let leaf = words.join(" ");
        words.clear();
        let id = if exception {
            spdx::exception_id(&leaf).map(|e| e.name.to_owned())?
        } else {
            leaf_to_spdx(&leaf)?
        };
        push_token(out, &id);
        Some(())
    };
    let spaced = declared.replace('(', " ( ").replace(')', " ) ");
    for word in spaced.split_whitespace() {
        let op = match word.to_ascii_lowercase().as_str() {
            "and" => Some("AND"),
            "or" => Some("OR"),
            "with" => Some("WITH"),
            "(" => Some("("),
            ")" => Some(")"),
            _ => None,
        };
        match op {
            Some(op) => {
                flush(&mut words, &mut out, after_with)?;
                after_with = op == "WITH";
                push_token(&mut out, op);
            }
            None => words.push(word),
        }
    }
    flush(&mut words, &mut out, after_with)?;
    spdx::Expression::parse(&out).ok()?;
    Some(out)
}

/// One license name: a Fedora short name, else the general mapping, which
/// must give a single license (not an expression of its own).
fn leaf_to_spdx(leaf: &str) -> Option<String> {
    if let Some((_, id)) = FEDORA_NAMES.iter().find(|(n, _)| *n == leaf) {
        return Some((*id).to_owned());
    }
    crate::license::spdx_for(leaf).filter(|e| !e.contains(' '))
}

fn push_token(out: &mut String, token: &str) {
    if !(out.is_empty() || out.ends_with('(') || token == ")") {
        out.push(' ');
    }
    out.push_str(token);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_values_stay_as_they_are() {
        assert_eq!(to_spdx("MIT").as_deref(), Some("MIT"));
        assert_eq!(
            to_spdx("LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later")
                .as_deref(),
            Some("LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later")
        );
        assert_eq!(
            to_spdx("LGPL-2.1-or-later").as_deref(),
            Some("LGPL-2.1-or-later")
        );
    }

    #[test]
    fn fedora_short_names_map_when_every_name_does() {
        assert_eq!(to_spdx("ASL 2.0").as_deref(), Some("Apache-2.0"));
        assert_eq!(to_spdx("GPLv2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(
            to_spdx("GPLv2+ and (MIT or ASL 2.0)").as_deref(),
            Some("GPL-2.0-or-later AND (MIT OR Apache-2.0)")
        );
        assert_eq!(
            to_spdx("GPLv3+ with GCC-exception-3.1").as_deref(),
            Some("GPL-3.0-or-later WITH GCC-exception-3.1")
        );
        assert_eq!(
            to_spdx("GPL-2.0+ and LGPL-2.1+").as_deref(),
            Some("GPL-2.0-or-later AND LGPL-2.1-or-later")
        );
    }

    #[test]
    fn ambiguous_or_unknown_names_do_not_map() {
        for v in [
            "GPLv2+ and (MIT or BSD)",
            "BSD",
            "Public Domain",
            "LGPLv2",
            "GPLv3+ and GPLv3+ with exceptions",
            "(MIT",
            "MIT and",
            "",
            "and",
        ] {
            assert_eq!(to_spdx(v), None, "{v}");
        }
        assert_eq!(to_spdx(&"MIT and ".repeat(1000)), None);
    }
}
