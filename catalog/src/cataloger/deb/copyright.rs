//! Licenses from a package's `usr/share/doc/NAME/copyright` file.
//!
//! Machine-readable files (DEP-5, <https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/>)
//! name licenses in `License:` fields; free-form files usually point at
//! `/usr/share/common-licenses/NAME`. Both kinds are read with the same
//! line rules, as syft does:
//!
//! - a `License:` field's synopsis line, split on `or`, `and` and `,`;
//!   unlike syft, which keeps the first word whatever it is, a synopsis that
//!   is not made of license short names (`License: This software is …`) is
//!   ignored, and every alternative is kept, not only the first;
//! - every `/usr/share/common-licenses/NAME` reference;
//! - a line that is only a `LICENSE AGREEMENT [FOR …]` heading.
//!
//! The declared values are the distinct names, sorted bytewise as syft sorts
//! them. The SPDX expression joins their SPDX forms with `AND` (each name
//! covers some files of the package) and is `None` unless every name maps.

use std::collections::BTreeSet;

use crate::model::Licenses;

const COMMON_LICENSES: &str = "/usr/share/common-licenses/";
const AGREEMENT: &str = "LICENSE AGREEMENT";

/// The distinct license names a copyright file mentions, sorted.
pub(super) fn parse_copyright(text: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        if let Some(synopsis) = license_field(line) {
            found.extend(synopsis_names(synopsis));
        }
        found.extend(agreement_heading(line));
    }
    // Searched for once over the whole text rather than line by line
    // (setting up a substring search per line cost more than the rest of
    // the parse): a name ends at the first character that cannot be in
    // one, a line break included, so the names found are the same.
    found.extend(common_license_refs(text));
    found.into_iter().collect()
}

/// Licenses from the declared names of [`parse_copyright`].
pub(super) fn licenses(declared: Vec<String>) -> Licenses {
    let expression = expression(&declared);
    Licenses {
        declared,
        expression,
    }
}

/// The value of a `License:` field's first line (field names are
/// case-insensitive; continuation lines start with a space and never match).
fn license_field(line: &str) -> Option<&str> {
    let head = line.get(..8)?;
    head.eq_ignore_ascii_case("license:")
        .then(|| line.get(8..).unwrap_or_default().trim())
}

/// The license short names of a DEP-5 synopsis (`GPL-2+ or Artistic-2.0,
/// and BSD-3-clause`); empty when the synopsis is not made of short names.
/// `with … exception` clauses are dropped.
fn synopsis_names(synopsis: &str) -> Vec<String> {
    let mut names = Vec::new();
    for group in synopsis.split(',') {
        let mut current: Option<&str> = None;
        let mut after_separator = false;
        let mut in_exception = false;
        for token in group.split_whitespace() {
            if token.eq_ignore_ascii_case("or") || token.eq_ignore_ascii_case("and") {
                match current.take() {
                    Some(name) => names.push(name),
                    None if names.is_empty() => return Vec::new(),
                    // `, and X` and `, or X`: the comma already separated.
                    None => {}
                }
                after_separator = true;
                in_exception = false;
            } else if in_exception {
                continue;
            } else if token.eq_ignore_ascii_case("with") {
                if current.is_none() {
                    return Vec::new();
                }
                in_exception = true;
            } else {
                let name = token.trim_end_matches('.');
                if current.is_some() || !is_short_name(name) {
                    return Vec::new();
                }
                current = Some(name);
                after_separator = false;
            }
        }
        match current {
            Some(name) => names.push(name),
            None if after_separator => return Vec::new(),
            None => {}
        }
    }
    names
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case("none"))
        .map(str::to_owned)
        .collect()
}

/// DEP-5 short names are a single word of letters, digits and `.+-_`.
fn is_short_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_'))
}

/// Names after `/usr/share/common-licenses/` in `text` (a line or more).
fn common_license_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(COMMON_LICENSES) {
        let after = rest.get(at + COMMON_LICENSES.len()..).unwrap_or_default();
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(after.len());
        let name = after.get(..end).unwrap_or_default();
        // A reference often ends a sentence.
        let name = name.strip_suffix('.').unwrap_or(name);
        if !name.is_empty() && !name.eq_ignore_ascii_case("none") {
            out.push(name.to_owned());
        }
        rest = after;
    }
    out
}

/// A line that is only `LICENSE AGREEMENT` or `LICENSE AGREEMENT FOR …`
/// (any case), the title of a proprietary license.
fn agreement_heading(line: &str) -> Option<String> {
    let heading = line.trim();
    let head = heading.get(..AGREEMENT.len())?;
    if !head.eq_ignore_ascii_case(AGREEMENT) {
        return None;
    }
    let rest = heading.get(AGREEMENT.len()..)?;
    let valid = rest.is_empty()
        || rest
            .get(..5)
            .is_some_and(|f| f.eq_ignore_ascii_case(" FOR ") && rest.len() > 5);
    // As syft: a heading naming several agreements is a summary; the
    // agreements it names are listed on their own.
    let summary = heading.contains(" or ") || heading.contains(" and ");
    (valid && !summary).then(|| heading.to_owned())
}

/// The SPDX expression of all declared names, `None` unless each maps.
fn expression(declared: &[String]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for name in declared {
        let spdx = dep5_to_spdx(name)?;
        if !parts.contains(&spdx) {
            parts.push(spdx);
        }
    }
    let joined = crate::license::join_and(&parts)?;
    spdx::Expression::parse(&joined).ok().map(|_| joined)
}

/// Maps a DEP-5 short name (or a common-licenses file name) to an SPDX
/// expression. DEP-5 names GNU licenses by bare version (`GPL-2`) and marks
/// "or later" with `+`; other names are SPDX ids already, or differ in
/// case or spelling (`BSD-3-clause`, `Expat`).
/// <https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/#license-short-name>
pub(crate) fn dep5_to_spdx(name: &str) -> Option<String> {
    let name = name.trim();
    let (base, or_later) = match name.strip_suffix('+') {
        Some(base) => (base, true),
        None => (name, false),
    };
    if let Some(id) = gnu(base, or_later) {
        return Some(id);
    }
    let mapped = match base.to_ascii_lowercase().as_str() {
        "expat" | "mit" => "MIT",
        "bsd-2-clause" => "BSD-2-Clause",
        "bsd-3-clause" => "BSD-3-Clause",
        "bsd-4-clause" => "BSD-4-Clause",
        "apache-2" | "apache-2.0" => "Apache-2.0",
        "apache-1.1" => "Apache-1.1",
        "apache-1.0" => "Apache-1.0",
        "artistic" => "Artistic-1.0-Perl",
        "artistic-1" | "artistic-1.0" => "Artistic-1.0",
        "artistic-2" | "artistic-2.0" => "Artistic-2.0",
        // DEP-5: "Perl: Perl license (use `GPL-1+ or Artistic-1` instead)".
        "perl" => return Some("Artistic-1.0-Perl OR GPL-1.0-or-later".to_owned()),
        "psf-2" | "psf-2.0" => "PSF-2.0",
        "python-2" | "python-2.0" => "Python-2.0",
        "zope-2.0" | "zpl-2.0" => "ZPL-2.0",
        "zope-2.1" | "zpl-2.1" => "ZPL-2.1",
        "cc0" | "cc0-1.0" => "CC0-1.0",
        "mpl-2" | "mpl-2.0" => "MPL-2.0",
        "mpl-1.1" => "MPL-1.1",
        "mpl-1.0" => "MPL-1.0",
        "boost-1.0" | "bsl-1.0" => "BSL-1.0",
        "sil-ofl-1.1" | "ofl-1.1" => "OFL-1.1",
        "isc" => "ISC",
        "zlib" => "Zlib",
        _ => {
            // Already an SPDX id (`Apache-2.0`, `CC-BY-SA-4.0`, `LPPL-1.3c`).
            let lic = spdx::license_id(base).filter(|l| !l.is_deprecated())?;
            if lic.name != base {
                return None;
            }
            lic.name
        }
    };
    Some(if or_later {
        format!("{mapped}+")
    } else {
        mapped.to_owned()
    })
}

/// `GPL-2`, `LGPL-2.1`, `AGPL-3`, `GFDL-1.3`, `GFDL-NIV-1.3` (with an
/// optional `.0`) as SPDX `-only` / `-or-later` ids.
fn gnu(base: &str, or_later: bool) -> Option<String> {
    let (family, version) = base.rsplit_once('-')?;
    let family = match family.to_ascii_uppercase().as_str() {
        "GPL" => "GPL",
        "LGPL" => "LGPL",
        "AGPL" => "AGPL",
        "GFDL" => "GFDL",
        "GFDL-NIV" => "GFDL-NIV",
        _ => return None,
    };
    let version = if version.contains('.') {
        version.to_owned()
    } else {
        format!("{version}.0")
    };
    let suffix = if or_later { "or-later" } else { "only" };
    let id = match family {
        "GFDL-NIV" => format!("GFDL-{version}-no-invariants-{suffix}"),
        _ => format!("{family}-{version}-{suffix}"),
    };
    spdx::license_id(&id).map(|_| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<String> {
        let path = format!("{}/testdata/deb/{path}", env!("CARGO_MANIFEST_DIR"));
        parse_copyright(&std::fs::read_to_string(path).expect("fixture readable"))
    }

    #[test]
    fn machine_readable_files_match_syft() {
        assert_eq!(
            fixture("copyright/libaudit-common"),
            ["GPL-1", "GPL-2", "LGPL-2.1"]
        );
        assert_eq!(
            fixture("copyright/liblzma5"),
            [
                "Autoconf",
                "GPL-2",
                "GPL-2+",
                "GPL-3",
                "LGPL-2",
                "LGPL-2.1",
                "LGPL-2.1+",
                "PD",
                "PD-debian",
                "config-h",
                "noderivs",
                "permissive-fsf",
                "permissive-nowarranty",
                "probably-PD",
            ]
        );
        assert_eq!(
            fixture("image-distroless-deb/usr/share/doc/libsqlite3-0/copyright"),
            ["GPL-2", "GPL-2+", "public-domain"]
        );
    }

    #[test]
    fn free_form_files_use_common_license_references() {
        assert_eq!(fixture("copyright/libc6"), ["GPL-2", "LGPL-2.1"]);
        assert_eq!(
            fixture("copyright/trilicense"),
            ["GPL-2", "LGPL-2.1", "MPL-1.1"]
        );
    }

    #[test]
    fn free_text_after_license_is_not_a_name() {
        // syft (before it stopped reading free-form files) also reported
        // "#", "Permission", "This" and "see" here.
        assert_eq!(
            fixture("copyright/python"),
            [
                "Apache",
                "Apache-2",
                "Apache-2.0",
                "Expat",
                "GPL-2",
                "ISC",
                "LGPL-2.1+",
                "PSF-2",
                "Python",
            ]
        );
    }

    #[test]
    fn agreement_headings_are_names() {
        assert_eq!(
            fixture("copyright/dev-kit"),
            ["LICENSE AGREEMENT FOR NVIDIA SOFTWARE DEVELOPMENT KITS"]
        );
        assert_eq!(
            fixture("copyright/microsoft"),
            ["LICENSE AGREEMENT FOR MICROSOFT PRODUCTS"]
        );
        assert_eq!(agreement_heading("LICENSE AGREEMENT FOR A and B"), None);
        assert_eq!(
            agreement_heading("1. This LICENSE AGREEMENT is between"),
            None
        );
    }

    #[test]
    fn synopsis_combinations() {
        assert_eq!(
            synopsis_names("GPL-2+ or Artistic-2.0, and BSD-3-clause"),
            ["GPL-2+", "Artistic-2.0", "BSD-3-clause"]
        );
        assert_eq!(synopsis_names("GPL-2+ with OpenSSL exception"), ["GPL-2+"]);
        assert_eq!(synopsis_names("MIT and Apache-2.0"), ["MIT", "Apache-2.0"]);
        assert!(synopsis_names("see above, some license as Python.").is_empty());
        assert!(synopsis_names("or GPL-2").is_empty());
        assert!(synopsis_names("GPL-2 or").is_empty());
        assert!(synopsis_names("none").is_empty());
    }

    #[test]
    fn dep5_names_map_to_spdx() {
        for (dep5, spdx) in [
            ("GPL-2+", "GPL-2.0-or-later"),
            ("GPL-2", "GPL-2.0-only"),
            ("GPL-1", "GPL-1.0-only"),
            ("GPL-3.0+", "GPL-3.0-or-later"),
            ("LGPL-2", "LGPL-2.0-only"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            ("AGPL-3", "AGPL-3.0-only"),
            ("GFDL-NIV-1.3", "GFDL-1.3-no-invariants-only"),
            ("Expat", "MIT"),
            ("BSD-3-clause", "BSD-3-Clause"),
            ("Apache-2.0", "Apache-2.0"),
            ("Apache-2", "Apache-2.0"),
            ("MPL-1.1", "MPL-1.1"),
            ("PSF-2", "PSF-2.0"),
            ("Zlib", "Zlib"),
            ("CC-BY-SA-4.0", "CC-BY-SA-4.0"),
            ("Perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
        ] {
            assert_eq!(dep5_to_spdx(dep5).as_deref(), Some(spdx), "{dep5}");
        }
        for unmapped in ["public-domain", "PD", "Apache", "GPL", "config-h", "GPL-9"] {
            assert_eq!(dep5_to_spdx(unmapped), None, "{unmapped}");
        }
    }

    #[test]
    fn expression_needs_every_name_to_map() {
        let l = licenses(fixture("copyright/libaudit-common"));
        assert_eq!(
            l.expression.as_deref(),
            Some("GPL-1.0-only AND GPL-2.0-only AND LGPL-2.1-only")
        );
        let l = licenses(fixture("copyright/trilicense"));
        assert_eq!(
            l.expression.as_deref(),
            Some("GPL-2.0-only AND LGPL-2.1-only AND MPL-1.1")
        );
        let l = licenses(vec![
            "Expat".to_owned(),
            "MIT".to_owned(),
            "Perl".to_owned(),
        ]);
        assert_eq!(
            l.expression.as_deref(),
            Some("MIT AND (Artistic-1.0-Perl OR GPL-1.0-or-later)")
        );
        assert_eq!(licenses(fixture("copyright/liblzma5")).expression, None);
        assert_eq!(licenses(fixture("copyright/microsoft")).expression, None);
        assert_eq!(licenses(Vec::new()), Licenses::default());
    }
}
