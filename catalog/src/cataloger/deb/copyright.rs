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
//!
//! The files are parsed as their layer streams ([`CopyrightExtractor`]),
//! not kept: a layer's finding for one file is the names alone
//! ([`Copyright`]), a few dozen bytes where the text averages 22 KB, and
//! that is what a layer cache stores and every scan, cold or warm, reads.

use std::collections::BTreeSet;
use std::io::{self, Read};

use crate::cataloger::{Extracted, Extractor};
use crate::model::Licenses;
use crate::MAX_FILE_SIZE;

/// The extractor id copyright findings are stored under. Bump the version
/// when the finding's form or the names [`Copyright::parse`] finds change:
/// it is part of the layer cache's fingerprint.
pub const EXTRACTOR_ID: &str = "dpkg-copyright/1";

/// Largest finding written: the seam cuts findings at 1 MiB
/// ([`crate::layer::extract::MAX_FINDING`]), which would cut a name.
const MAX_FINDING: usize = 1000 * 1000;

const COMMON_LICENSES: &str = "/usr/share/common-licenses/";
const AGREEMENT: &str = "LICENSE AGREEMENT";

/// What the dpkg cataloger uses of one copyright file: its license names
/// and whether the file was cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copyright {
    /// The distinct license names, sorted.
    pub names: Vec<String>,
    /// The bytes read, when the file was larger than
    /// [`crate::MAX_FILE_SIZE`] and only its start was parsed.
    pub cut_at: Option<u64>,
}

impl Copyright {
    /// Parses a copyright file's first bytes `data` (all of it unless
    /// `truncated`).
    pub fn parse(data: &[u8], truncated: bool) -> Self {
        let text = match std::str::from_utf8(data) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(data),
        };
        Copyright {
            names: parse_copyright(&text),
            cut_at: truncated.then_some(data.len() as u64),
        }
    }

    /// The finding: a first line `whole` or `cut N`, then one name per
    /// line (a name never holds a line break). Never empty, so that a file
    /// naming no license is still recorded (its location is evidence).
    /// Names past 1,000,000 bytes are left out, which `problems`
    /// says.
    pub fn encode(&self, problems: &mut Vec<String>) -> Vec<u8> {
        let mut out = match self.cut_at {
            Some(n) => format!("cut {n}\n").into_bytes(),
            None => b"whole\n".to_vec(),
        };
        for (i, name) in self.names.iter().enumerate() {
            if out.len() + name.len() + 1 > MAX_FINDING {
                problems.push(format!(
                    "license names over {MAX_FINDING} bytes: {} of {} names used",
                    i,
                    self.names.len()
                ));
                break;
            }
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
        out
    }

    /// Reads back a finding of [`Copyright::encode`]; `None` when it is
    /// not one.
    pub fn decode(data: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(data).ok()?;
        let mut lines = text.split_terminator('\n');
        let cut_at = match lines.next()? {
            "whole" => None,
            head => Some(head.strip_prefix("cut ")?.parse().ok()?),
        };
        Some(Copyright {
            names: lines.map(str::to_owned).collect(),
            cut_at,
        })
    }
}

/// Reads `usr/share/doc/NAME/copyright` files for the dpkg cataloger as
/// their layer streams: the finding is their [`Copyright`] (the license
/// names), not their text.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyrightExtractor;

impl CopyrightExtractor {
    /// Whether `path` (normalised) is a copyright file the cataloger reads:
    /// `usr/share/doc/NAME/copyright` at the root only, as syft looks
    /// them up.
    pub fn claims(path: &str) -> bool {
        path.strip_prefix("usr/share/doc/")
            .and_then(|rest| rest.strip_suffix("/copyright"))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
    }

    /// The finding and the problems for a file whose first bytes are
    /// `head`, the rest `rest`, of declared size `size`: at most
    /// [`crate::MAX_FILE_SIZE`] bytes are read and parsed, as when the
    /// file was kept whole. An error reading `rest` is returned as it is.
    pub fn extract(head: &[u8], rest: &mut dyn Read, size: u64) -> io::Result<Extracted> {
        let cap = usize::try_from(size.min(MAX_FILE_SIZE)).map_err(io::Error::other)?;
        let mut data = Vec::with_capacity(cap.min(1 << 20));
        data.extend_from_slice(head.get(..cap).unwrap_or(head));
        let more = u64::try_from(cap.saturating_sub(data.len())).map_err(io::Error::other)?;
        rest.take(more).read_to_end(&mut data)?;
        let truncated = size > MAX_FILE_SIZE;
        let mut diagnostics = Vec::new();
        if truncated {
            // Worded as the squash words a cut file.
            diagnostics.push(format!(
                "file larger than {} MiB, only its start was read",
                MAX_FILE_SIZE >> 20
            ));
        }
        let data = Copyright::parse(&data, truncated).encode(&mut diagnostics);
        Ok(Extracted { data, diagnostics })
    }
}

impl Extractor for CopyrightExtractor {
    fn id(&self) -> &'static str {
        EXTRACTOR_ID
    }

    fn considers(&self, path: &str, _mode: u32, _size: u64) -> bool {
        Self::claims(path)
    }

    fn wants(&self, path: &str, _mode: u32, _size: u64, _head: &[u8]) -> bool {
        Self::claims(path)
    }

    fn claims(&self, path: &str) -> bool {
        Self::claims(path)
    }

    fn extract(
        &self,
        _path: &str,
        head: &[u8],
        rest: &mut dyn Read,
        size: u64,
    ) -> io::Result<Extracted> {
        Self::extract(head, rest, size)
    }
}

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
    fn findings_read_back_and_stay_under_the_cap() {
        let whole = Copyright {
            names: fixture("copyright/liblzma5"),
            cut_at: None,
        };
        let mut problems = Vec::new();
        let data = whole.encode(&mut problems);
        assert!(data.starts_with(b"whole\nAutoconf\nGPL-2\n"));
        assert_eq!(Copyright::decode(&data), Some(whole));
        // No name is still a finding: the file is evidence.
        let none = Copyright {
            names: Vec::new(),
            cut_at: Some(7),
        };
        assert_eq!(none.encode(&mut problems), b"cut 7\n");
        assert_eq!(Copyright::decode(b"cut 7\n"), Some(none));
        assert!(problems.is_empty());
        for bad in [&b""[..], b"cut x\n", b"other\nMIT\n", b"whole\n\xff\n"] {
            assert_eq!(Copyright::decode(bad), None, "{bad:?}");
        }
        // A hostile file naming more than a finding holds: the names that
        // fit are kept, and the cut is a problem.
        let mut text = String::new();
        for i in 0..100_000 {
            text.push_str(&format!("/usr/share/common-licenses/L{i:07}-padding\n"));
        }
        let data =
            CopyrightExtractor::extract(&[], &mut text.as_bytes(), text.len() as u64).unwrap();
        assert!(data.data.len() <= MAX_FINDING);
        let kept = Copyright::decode(&data.data).unwrap().names.len();
        assert!((40_000..100_000).contains(&kept), "{kept}");
        assert_eq!(
            data.diagnostics,
            [format!(
                "license names over 1000000 bytes: {kept} of 100000 names used"
            )]
        );
    }

    #[test]
    fn extractor_claims_root_copyright_files_only() {
        for yes in [
            "usr/share/doc/libc6/copyright",
            "usr/share/doc/info/copyright",
            "usr/share/doc/.x/copyright",
        ] {
            assert!(CopyrightExtractor::claims(yes), "{yes}");
        }
        for no in [
            "usr/share/doc/copyright",
            "usr/share/doc//copyright",
            "usr/share/doc/libc6/x/copyright",
            "opt/usr/share/doc/libc6/copyright",
            "usr/share/doc/libc6/copyright.gz",
            "usr/share/doc/libc6/changelog",
        ] {
            assert!(!CopyrightExtractor::claims(no), "{no}");
        }
    }

    #[test]
    fn extractor_parses_what_a_kept_file_held() {
        let text = std::fs::read(format!(
            "{}/testdata/deb/copyright/python",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let (head, rest) = text.split_at(64);
        let found = CopyrightExtractor::extract(head, &mut &rest[..], text.len() as u64).unwrap();
        assert!(found.diagnostics.is_empty());
        assert_eq!(
            Copyright::decode(&found.data).unwrap().names,
            fixture("copyright/python")
        );
        // A cut archive: the declared size is over the cap, the bytes
        // stop early; what was read is parsed and the cut reported.
        let found = CopyrightExtractor::extract(head, &mut &rest[..], MAX_FILE_SIZE + 1).unwrap();
        assert_eq!(
            Copyright::decode(&found.data).unwrap(),
            Copyright {
                names: fixture("copyright/python"),
                cut_at: Some(text.len() as u64),
            }
        );
        assert_eq!(
            found.diagnostics,
            ["file larger than 32 MiB, only its start was read"]
        );
        // Invalid UTF-8 is replaced, as for a kept file.
        let found =
            CopyrightExtractor::extract(b"License: MIT\n\xff\xfe", &mut &b""[..], 15).unwrap();
        assert_eq!(Copyright::decode(&found.data).unwrap().names, ["MIT"]);
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
