//! CPE 2.3 formatted strings, generated the way syft does: candidate vendors
//! and products from the package's name and metadata.
//!
//! Generation is bounded: candidates are derived per `-`/`_`-separated part
//! of a name, so a long name with many separators would otherwise give a
//! number of candidates, each as long as the name, that grows with the
//! square of its length. Names and versions past [`MAX_FIELD_LEN`] bytes or
//! with more than [`MAX_NAME_SEPARATORS`] separators get no CPEs
//! ([`unbounded`] says why, and the scan reports it), and no package gets
//! more than [`MAX_CANDIDATES`].

use std::collections::HashSet;

/// Longest name or version (in bytes) CPEs are generated for. Real names
/// are far shorter (npm's limit, the longest of the ecosystems, is 214).
pub const MAX_FIELD_LEN: usize = 256;

/// Most `-`/`_` separators in a name CPEs are generated for.
pub const MAX_NAME_SEPARATORS: usize = 16;

/// Most CPE candidates one package gets.
pub const MAX_CANDIDATES: usize = 256;

/// Why no CPEs are generated for a package with this name and version, or
/// `None` when they are within the bounds.
pub fn unbounded(name: &str, version: &str) -> Option<String> {
    if name.len() > MAX_FIELD_LEN {
        return Some(format!(
            "package name is {} bytes, more than the {MAX_FIELD_LEN} CPEs are generated for; no CPEs generated",
            name.len()
        ));
    }
    if version.len() > MAX_FIELD_LEN {
        return Some(format!(
            "package version is {} bytes, more than the {MAX_FIELD_LEN} CPEs are generated for; no CPEs generated",
            version.len()
        ));
    }
    let separators = name.bytes().filter(|b| matches!(b, b'-' | b'_')).count();
    if separators > MAX_NAME_SEPARATORS {
        return Some(format!(
            "package name has {separators} `-`/`_` separators, more than the {MAX_NAME_SEPARATORS} CPEs are generated for; no CPEs generated"
        ));
    }
    None
}

/// Why a package's CPE list may be incomplete: it reached [`MAX_CANDIDATES`].
pub fn capped(cpes: &[String]) -> Option<String> {
    (cpes.len() >= MAX_CANDIDATES).then(|| {
        format!("CPE candidates reached the limit of {MAX_CANDIDATES}; no more were generated")
    })
}

/// Escapes a CPE 2.3 formatted-string component.
fn escape(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    for c in component.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' | '.' => out.push(c.to_ascii_lowercase()),
            ' ' => out.push('_'),
            _ => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// A CPE 2.3 string for an application.
pub fn application(vendor: &str, product: &str, version: &str) -> String {
    format!(
        "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
        escape(vendor),
        escape(product),
        escape(version)
    )
}

/// CPEs for every (vendor, product) candidate pair, deduplicated, in order;
/// at most [`MAX_CANDIDATES`], and none for a component longer than
/// [`MAX_FIELD_LEN`].
pub fn candidates(vendors: &[&str], products: &[&str], version: &str) -> Vec<String> {
    let mut out = Vec::new();
    if version.len() > MAX_FIELD_LEN {
        return out;
    }
    let usable = |s: &&&str| !s.is_empty() && s.len() <= MAX_FIELD_LEN;
    let mut seen = HashSet::new();
    for v in vendors.iter().filter(usable) {
        for p in products.iter().filter(usable) {
            if out.len() >= MAX_CANDIDATES {
                return out;
            }
            let cpe = application(v, p, version);
            if seen.insert(cpe.clone()) {
                out.push(cpe);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            application("python", "zope.interface", "5.4.0+x"),
            "cpe:2.3:a:python:zope.interface:5.4.0\\+x:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn candidates_dedupe() {
        let c = candidates(&["musl", "musl"], &["musl"], "1.2");
        assert_eq!(c, vec!["cpe:2.3:a:musl:musl:1.2:*:*:*:*:*:*:*"]);
    }

    #[test]
    fn candidates_are_bounded_in_number_and_length() {
        let vendors: Vec<String> = (0..100).map(|i| format!("v{i}")).collect();
        let products: Vec<String> = (0..100).map(|i| format!("p{i}")).collect();
        let v: Vec<&str> = vendors.iter().map(String::as_str).collect();
        let p: Vec<&str> = products.iter().map(String::as_str).collect();
        let c = candidates(&v, &p, "1");
        assert_eq!(c.len(), MAX_CANDIDATES);
        assert!(capped(&c).is_some());
        let long = "a".repeat(MAX_FIELD_LEN + 1);
        assert_eq!(
            candidates(&[&long, "x"], &["y", &long], "1"),
            ["cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"]
        );
        assert!(candidates(&["x"], &["y"], &long).is_empty());
    }

    #[test]
    fn long_or_many_part_names_are_out_of_bounds() {
        assert_eq!(unbounded("musl-utils", "1.2.4-r2"), None);
        assert!(unbounded(&"a".repeat(300), "1")
            .unwrap()
            .contains("name is 300 bytes"));
        assert!(unbounded("a", &"1".repeat(300))
            .unwrap()
            .contains("version is 300 bytes"));
        assert!(unbounded(&"a-".repeat(20), "1")
            .unwrap()
            .contains("20 `-`/`_` separators"));
    }
}
