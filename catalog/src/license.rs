//! Mapping declared license values to SPDX expressions.

/// Maps one declared license value to an SPDX expression: a valid
/// expression is normalised, a license name ("MIT License", "Apache 2.0",
/// "GNU General Public License v2 or later") is looked up. `None` when the
/// value cannot be mapped.
pub fn spdx_for(declared: &str) -> Option<String> {
    let s = declared.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(expr) = spdx::Expression::parse_mode(s, spdx::ParseMode::STRICT) {
        return Some(expr.to_string());
    }
    // Lax parsing accepts "GPL-2.0+" or "Apache 2.0 OR MIT" style values,
    // which package databases use everywhere.
    if let Ok(expr) = spdx::Expression::parse_mode(s, spdx::ParseMode::LAX) {
        return canonical(s, &expr);
    }
    let trimmed = s
        .trim_start_matches("License ::")
        .trim()
        .trim_start_matches("OSI Approved ::")
        .trim();
    if let Some(id) = classifier_name(trimmed) {
        return Some(id.to_owned());
    }
    if let Some(lic) = spdx::imprecise_license_id(trimmed) {
        if lic.1 == trimmed.len() {
            return Some(lic.0.name.to_owned());
        }
    }
    None
}

/// License family names that name no single license ("BSD" could be 2-,
/// 3- or 4-clause): lax parsing would guess, so they stay unmapped.
const AMBIGUOUS: [&str; 8] = ["bsd", "gpl", "lgpl", "agpl", "mpl", "apache", "cc", "gfdl"];

/// Re-renders a lax-parsed expression with canonical ids: each license
/// span is replaced by the canonical id, swallowing a trailing `+` that the
/// id already says (`GPL2+` → `GPL-2.0-or-later`). Exceptions stay as
/// written. `None` when a span is an ambiguous family name.
fn canonical(text: &str, expr: &spdx::Expression) -> Option<String> {
    let mut out = text.to_owned();
    let mut reqs: Vec<_> = expr.requirements().collect();
    reqs.sort_by_key(|r| std::cmp::Reverse(r.span.start));
    for r in reqs {
        let start = r.span.start as usize;
        let mut end = r.span.end as usize;
        let original = text.get(start..end)?;
        if AMBIGUOUS.contains(&original.trim().to_ascii_lowercase().as_str()) {
            return None;
        }
        let rendered = r.req.to_string();
        let license = rendered
            .split(" WITH ")
            .next()
            .unwrap_or(&rendered)
            .to_owned();
        if text.get(end..=end) == Some("+")
            && (license.ends_with("-or-later") || license.ends_with('+'))
        {
            end += 1;
        }
        out.replace_range(start..end, &license);
    }
    // The result must itself be a valid strict expression.
    spdx::Expression::parse(&out).ok().map(|e| e.to_string())
}

/// Trove classifier license names (`License :: OSI Approved :: X`) that
/// `imprecise_license_id` does not know.
fn classifier_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "MIT License" => "MIT",
        "BSD License" => return None,
        "Apache Software License" => "Apache-2.0",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "ISC License (ISCL)" => "ISC",
        "Python Software Foundation License" => "PSF-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 (LGPLv2)" => "LGPL-2.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "GNU Affero General Public License v3 or later (AGPLv3+)" => "AGPL-3.0-or-later",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        "Academic Free License (AFL)" => "AFL-3.0",
        "zlib/libpng License" => "Zlib",
        _ => return None,
    })
}

/// Joins distinct SPDX expressions with `AND`, parenthesising compound
/// ones; `None` for none.
pub fn join_and(parts: &[String]) -> Option<String> {
    match parts {
        [] => None,
        [one] => Some(one.clone()),
        _ => Some(
            parts
                .iter()
                .map(|p| {
                    if p.contains(' ') {
                        format!("({p})")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

/// A strict SPDX expression made only of license-list ids (a `LicenseRef-`
/// would need an extracted-licensing entry in SPDX, a `DocumentRef-` an
/// external document reference), on one line.
pub fn is_plain_expression(expr: &str) -> bool {
    !expr.is_empty()
        && !expr.chars().any(char::is_control)
        && !expr.contains("LicenseRef-")
        && !expr.contains("DocumentRef-")
        && spdx::Expression::parse(expr).is_ok()
}

/// Joins the SPDX forms of all declared values with `AND`; `None` unless
/// every value maps.
pub fn to_spdx_expression(declared: &[String]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for d in declared {
        let e = spdx_for(d)?;
        if !parts.contains(&e) {
            parts.push(e);
        }
    }
    join_and(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ids_names_and_classifiers() {
        assert_eq!(spdx_for("MIT").as_deref(), Some("MIT"));
        assert_eq!(
            spdx_for("GPL-2.0-or-later").as_deref(),
            Some("GPL-2.0-or-later")
        );
        assert_eq!(
            spdx_for("License :: OSI Approved :: Apache Software License").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            spdx_for("MIT OR Apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(spdx_for("some custom text"), None);
        assert_eq!(spdx_for("GPL2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(spdx_for("GPL-2.0+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(spdx_for("Apache 2.0").as_deref(), Some("Apache-2.0"));
        assert_eq!(
            spdx_for("GPL-2.0-only WITH Classpath-exception-2.0").as_deref(),
            Some("GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(
            spdx_for("BSD"),
            None,
            "ambiguous family names are not guessed"
        );
        assert_eq!(spdx_for("GPL"), None);
    }

    #[test]
    fn joins_with_and_only_when_all_map() {
        let v = vec!["MIT".to_owned(), "BSD-3-Clause".to_owned()];
        assert_eq!(
            to_spdx_expression(&v).as_deref(),
            Some("MIT AND BSD-3-Clause")
        );
        let v = vec!["MIT".to_owned(), "weird".to_owned()];
        assert_eq!(to_spdx_expression(&v), None);
    }

    #[test]
    fn plain_expressions_exclude_refs_and_invalid_text() {
        assert!(is_plain_expression("MIT"));
        assert!(is_plain_expression("GPL-2.0-only AND (MIT OR Apache-2.0)"));
        assert!(!is_plain_expression("LicenseRef-x"));
        assert!(!is_plain_expression("MIT\nAND BSD-3-Clause"));
        assert!(!is_plain_expression("BSD License"));
    }

    #[test]
    fn declared_values_map_one_by_one_per_ecosystem() {
        use crate::model::Ecosystem;
        let map_license =
            |e: Ecosystem, d: &str| e.license_to_spdx(d).filter(|x| is_plain_expression(x));
        assert_eq!(
            map_license(Ecosystem::Deb, "GPL-2").as_deref(),
            Some("GPL-2.0-only")
        );
        assert_eq!(
            map_license(Ecosystem::Deb, "LGPL-2.1+").as_deref(),
            Some("LGPL-2.1-or-later")
        );
        assert_eq!(map_license(Ecosystem::Deb, "public-domain"), None);
        assert_eq!(map_license(Ecosystem::Npm, "MIT").as_deref(), Some("MIT"));
        assert_eq!(map_license(Ecosystem::Npm, "LicenseRef-x"), None);
    }
}
