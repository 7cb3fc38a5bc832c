//! Value-level rules: cleaning text, SPDX ids, actors, checksums, and the
//! checks a value must pass before it goes into a field the SPDX validators
//! check (URLs, PURLs, CPEs, license expressions).

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::model::{Ecosystem, Metadata, Package};

use super::document::Checksum;

/// Line breaks normalised to `\n`; every other control character (C0 but
/// tab and newline, DEL, C1) replaced by U+FFFD. SPDX readers read text
/// with universal newlines, so a lone `\r` would otherwise end a line.
pub(super) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// [`clean`], with line breaks turned into spaces: for the fields the spec
/// defines as a single line (names, versions, actors).
pub(super) fn one_line(s: &str) -> String {
    clean(s).replace('\n', " ")
}

/// Words the tag-value lexer turns into their own tokens: a value equal to
/// one cannot be written as a plain line.
const TAG_VALUE_KEYWORDS: &[&str] = &[
    "SPDXVersion",
    "DataLicense",
    "DocumentName",
    "SPDXID",
    "DocumentComment",
    "DocumentNamespace",
    "ExternalDocumentRef",
    "Creator",
    "Created",
    "CreatorComment",
    "LicenseListVersion",
    "Annotator",
    "AnnotationDate",
    "AnnotationComment",
    "AnnotationType",
    "SPDXREF",
    "Relationship",
    "RelationshipComment",
    "PackageName",
    "PackageVersion",
    "PackageDownloadLocation",
    "FilesAnalyzed",
    "PackageSummary",
    "PackageSourceInfo",
    "PackageFileName",
    "PackageSupplier",
    "PackageOriginator",
    "PackageChecksum",
    "PackageVerificationCode",
    "PackageDescription",
    "PackageComment",
    "PackageLicenseDeclared",
    "PackageLicenseConcluded",
    "PackageLicenseInfoFromFiles",
    "PackageLicenseComments",
    "PackageCopyrightText",
    "PackageHomePage",
    "ExternalRef",
    "ExternalRefComment",
    "PackageAttributionText",
    "PrimaryPackagePurpose",
    "BuiltDate",
    "ReleaseDate",
    "ValidUntilDate",
    "FileName",
    "FileType",
    "FileChecksum",
    "LicenseConcluded",
    "LicenseInfoInFile",
    "FileCopyrightText",
    "LicenseComments",
    "FileComment",
    "FileNotice",
    "FileContributor",
    "FileAttributionText",
    "LicenseID",
    "ExtractedText",
    "LicenseName",
    "LicenseCrossReference",
    "LicenseComment",
    "SnippetSPDXID",
    "SnippetName",
    "SnippetComment",
    "SnippetCopyrightText",
    "SnippetLicenseComments",
    "SnippetFromFileSPDXID",
    "SnippetLicenseConcluded",
    "LicenseInfoInSnippet",
    "SnippetAttributionText",
    "SnippetByteRange",
    "SnippetLineRange",
    "NOASSERTION",
    "NONE",
];

/// Value prefixes the tag-value lexer reads as a typed value (an actor, a
/// checksum) rather than a line.
const TAG_VALUE_PREFIXES: &[&str] = &[
    "<text>",
    "Tool:",
    "Organization:",
    "Person:",
    "ADLER32:",
    "BLAKE2b-256:",
    "BLAKE2b-384:",
    "BLAKE2b-512:",
    "BLAKE3:",
    "MD2:",
    "MD4:",
    "MD5:",
    "MD6:",
    "SHA1:",
    "SHA224:",
    "SHA256:",
    "SHA384:",
    "SHA512:",
    "SHA3-256:",
    "SHA3-384:",
    "SHA3-512:",
];

/// True when `v` can be written as `Tag: v` and read back unchanged as a
/// plain line: not empty, one line, no control characters, no surrounding
/// whitespace (readers trim), not a keyword, no typed-value prefix, not
/// starting with a timestamp.
pub(super) fn is_plain_line(v: &str) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    let last = v.chars().next_back().unwrap_or(first);
    !first.is_whitespace()
        && !last.is_whitespace()
        && !v.chars().any(char::is_control)
        && !TAG_VALUE_KEYWORDS.contains(&v)
        && !TAG_VALUE_PREFIXES.iter().any(|p| v.starts_with(p))
        && !starts_with_timestamp(v)
}

/// `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z` at the start.
fn starts_with_timestamp(v: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:ddZ";
    let b = v.as_bytes();
    b.len() >= SHAPE.len()
        && SHAPE.iter().zip(b).all(|(s, c)| match s {
            b'd' => c.is_ascii_digit(),
            s => s == c,
        })
}

/// Every character an SPDX id does not allow (`[A-Za-z0-9.-]`) as `-`.
pub(super) fn sanitize_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `LicenseRef-<up to 40 sanitized characters>-<8 hex of sha256(text)>`:
/// readable, and distinct per distinct text.
pub(super) fn license_ref(text: &str) -> String {
    let mut s = String::new();
    for c in sanitize_id(text.trim()).chars() {
        if c == '-' && (s.is_empty() || s.ends_with('-')) {
            continue;
        }
        s.push(c);
    }
    let mut s = s.trim_start_matches("LicenseRef-").to_owned();
    s.truncate(40);
    let s = s.trim_end_matches('-');
    let s = if s.is_empty() { "unknown" } else { s };
    let hash = Sha256::digest(text.as_bytes());
    format!("LicenseRef-{s}-{}", hex::encode(&hash[..4]))
}

/// A strict SPDX expression made only of license-list ids (a `LicenseRef-`
/// would need an extracted-licensing entry, a `DocumentRef-` an external
/// document reference), on one line.
pub(super) fn is_plain_expression(expr: &str) -> bool {
    !expr.is_empty()
        && !expr.chars().any(char::is_control)
        && !expr.contains("LicenseRef-")
        && !expr.contains("DocumentRef-")
        && spdx::Expression::parse(expr).is_ok()
}

/// One declared value as an SPDX expression of license-list ids, `None`
/// when it does not map. Debian values are DEP-5 short names, which name
/// GNU licenses by bare version (`GPL-2`, `LGPL-2.1+`).
pub(super) fn map_license(ecosystem: Ecosystem, declared: &str) -> Option<String> {
    let dep5 = match ecosystem {
        Ecosystem::Deb => crate::cataloger::deb::dep5_to_spdx(declared),
        _ => None,
    };
    dep5.or_else(|| crate::license::spdx_for(declared))
        .filter(|e| is_plain_expression(e))
}

/// `Person: NAME (EMAIL)` from the metadata, as syft derives supplier and
/// originator: apk/deb `Maintainer`, npm `author`, Python `Author` plus
/// `Author-email`. `None` when there is no name.
pub(super) fn person(p: &Package) -> Option<String> {
    let (name, email) = match &p.metadata {
        Metadata::Apk(m) => parse_person(m.maintainer.as_deref()?),
        Metadata::Deb(m) => parse_person(m.maintainer.as_deref()?),
        Metadata::Npm(m) => parse_person(m.author.as_deref()?),
        Metadata::Pypi(m) => {
            let (n1, e1) = parse_person(m.author.as_deref().unwrap_or(""));
            // `Author-email` may list several, comma-separated.
            let first_email = m
                .author_email
                .as_deref()
                .unwrap_or("")
                .split(',')
                .next()
                .unwrap_or("");
            let (n2, e2) = parse_person(first_email);
            (
                if n1.is_empty() { n2 } else { n1 },
                if e1.is_empty() { e2 } else { e1 },
            )
        }
    };
    format_person(&name, &email)
}

/// Splits `Name <email> (url)`, `Name (email)`, `email` or `Name` into
/// name and email. Only the first person of a list is kept.
pub(super) fn parse_person(s: &str) -> (String, String) {
    let s = s.trim();
    for (lt, _) in s.match_indices('<') {
        if let Some(len) = s[lt..].find('>') {
            let email = s[lt + 1..lt + len].trim();
            if looks_like_email(email) {
                return (s[..lt].trim().to_owned(), email.to_owned());
            }
        }
    }
    if let Some(before_close) = s.strip_suffix(')') {
        if let Some(open) = before_close.rfind('(') {
            let inner = before_close[open + 1..].trim();
            let before = before_close[..open].trim();
            if looks_like_email(inner) {
                return (before.to_owned(), inner.to_owned());
            }
            if inner.contains("://") && !before.is_empty() {
                return (before.to_owned(), String::new());
            }
        }
    }
    if looks_like_email(s) {
        return (String::new(), s.to_owned());
    }
    (s.to_owned(), String::new())
}

fn looks_like_email(s: &str) -> bool {
    !s.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || "()<>".contains(c))
        && s.split_once('@')
            .is_some_and(|(_, host)| host.contains('.'))
}

/// `Person: NAME (EMAIL)`, `Person: NAME`, or `Person: EMAIL` (as syft).
/// A name with parentheses and no email gets an empty `()` so that readers
/// (which take the last parenthesised part as the email) keep the name
/// whole.
fn format_person(name: &str, email: &str) -> Option<String> {
    let name = one_line(name).trim().to_owned();
    let email = one_line(email).trim().to_owned();
    match (name.is_empty(), email.is_empty()) {
        (false, false) => Some(format!("Person: {name} ({email})")),
        (false, true) if name.contains('(') || name.contains(')') => {
            Some(format!("Person: {name} ()"))
        }
        (false, true) => Some(format!("Person: {name}")),
        (true, false) => Some(format!("Person: {email}")),
        (true, true) => None,
    }
}

/// Package checksums the metadata records: npm `integrity` (Subresource
/// Integrity, base64) and apk `C:` (`Q1` + base64 SHA-1, `Q2` + base64
/// SHA-256), as lowercase hex. Sorted, one per algorithm.
pub(super) fn checksums(metadata: &Metadata) -> Vec<Checksum> {
    let mut out: Vec<Checksum> = Vec::new();
    match metadata {
        Metadata::Npm(m) => {
            for token in m.integrity.as_deref().unwrap_or("").split_whitespace() {
                let token = token.split('?').next().unwrap_or(token);
                let Some((alg, b64)) = token.split_once('-') else {
                    continue;
                };
                let algorithm = match alg.to_ascii_lowercase().as_str() {
                    "sha1" => "SHA1",
                    "sha256" => "SHA256",
                    "sha384" => "SHA384",
                    "sha512" => "SHA512",
                    _ => continue,
                };
                if let Some(c) = decode_checksum(algorithm, b64) {
                    out.push(c);
                }
            }
        }
        Metadata::Apk(m) => {
            let c = m.checksum.as_deref().unwrap_or("").trim();
            if let Some(b64) = c.strip_prefix("Q1") {
                out.extend(decode_checksum("SHA1", b64));
            } else if let Some(b64) = c.strip_prefix("Q2") {
                out.extend(decode_checksum("SHA256", b64));
            }
        }
        Metadata::Deb(_) | Metadata::Pypi(_) => {}
    }
    out.sort();
    out.dedup_by(|a, b| a.algorithm == b.algorithm);
    out
}

fn decode_checksum(algorithm: &'static str, b64: &str) -> Option<Checksum> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64))
        .ok()?;
    let len = match algorithm {
        "SHA1" => 20,
        "SHA256" => 32,
        "SHA384" => 48,
        _ => 64,
    };
    (bytes.len() == len).then(|| Checksum {
        algorithm,
        value: hex::encode(bytes),
    })
}

/// `sha256:<64 hex>` as an SPDX checksum.
pub(super) fn digest_checksum(digest: &str) -> Option<Checksum> {
    let (alg, hex) = digest.split_once(':')?;
    let (algorithm, len) = match alg {
        "sha256" => ("SHA256", 64),
        "sha512" => ("SHA512", 128),
        _ => return None,
    };
    (hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| Checksum {
        algorithm,
        value: hex.to_owned(),
    })
}

fn has_space_or_control(s: &str) -> bool {
    s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A URL the SPDX validators accept (`PackageHomePage`): a scheme they
/// know, an optional user part, a host name ending in a 2–5 letter
/// top-level label, an optional port, then a path. Stricter than the
/// validators' pattern, never looser; no whitespace.
pub(super) fn is_url(u: &str) -> bool {
    if u.is_empty() || has_space_or_control(u) {
        return false;
    }
    let lower = u.to_ascii_lowercase();
    let Some(scheme_len) = [
        "http://", "https://", "ssh://", "git://", "svn://", "sftp://", "ftp://",
    ]
    .iter()
    .find(|s| lower.starts_with(*s))
    .map(|s| s.len()) else {
        return false;
    };
    let rest = &u[scheme_len..];
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = match authority.rsplit_once('@') {
        Some((user, host_port)) => {
            let user_ok = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.!~*'()%;:&=+$,".contains(c));
            if !user_ok {
                return false;
            }
            host_port
        }
        None => authority,
    };
    let (host, port) = match host_port.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    is_host(host)
}

fn is_host(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else {
        return false;
    };
    if rest.is_empty()
        || !(2..=5).contains(&tld.len())
        || !tld.bytes().all(|b| b.is_ascii_alphabetic())
        || host.bytes().filter(|b| *b == b'.' || *b == b'-').count() > 100
    {
        return false;
    }
    rest.iter().all(|label| {
        label
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

/// A `PackageDownloadLocation` the validators accept: a URL, optionally
/// with a `git+`, `hg+`, `svn+` or `bzr+` prefix.
pub(super) fn is_download_location(u: &str) -> bool {
    let lower = u.to_ascii_lowercase();
    let rest = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map_or(u, |p| &u[p.len()..]);
    is_url(rest)
}

/// A PURL the validators accept (`pkg:TYPE/…`), without whitespace (tag-value
/// splits `ExternalRef` on spaces).
pub(super) fn is_purl(purl: &str) -> bool {
    if has_space_or_control(purl) {
        return false;
    }
    purl.strip_prefix("pkg:")
        .and_then(|rest| rest.get(1..))
        .and_then(|rest| rest.find('/').map(|i| i + 1 < rest.len()))
        .unwrap_or(false)
}

/// A CPE 2.3 formatted string as the SPDX `cpe23Type` pattern defines it:
/// part, then ten components, `:`-separated with `\` escapes.
pub(super) fn is_cpe23(cpe: &str) -> bool {
    let Some(rest) = cpe.strip_prefix("cpe:2.3:") else {
        return false;
    };
    let Some(components) = split_cpe(rest) else {
        return false;
    };
    let [part, vendor, product, version, update, edition, language, sw_edition, target_sw, target_hw, other] =
        components.as_slice()
    else {
        return false;
    };
    matches!(*part, "a" | "h" | "o" | "*" | "-")
        && [vendor, product, version, update, edition]
            .iter()
            .all(|c| cpe_component(c))
        && cpe_language(language)
        && [sw_edition, target_sw, target_hw, other]
            .iter()
            .all(|c| cpe_component(c))
}

/// Splits on `:` that is not escaped; `None` on a dangling `\`.
fn split_cpe(s: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ':' {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    if escaped {
        return None;
    }
    out.push(&s[start..]);
    Some(out)
}

const CPE_ESCAPABLE: &str = "\\*?!\"#$%&'()+,/:;<=>@[]^`{|}~";

/// `*`, `-`, or (`?`… | `*`) value (`?`… | `*`) where value is one or more
/// of `[A-Za-z0-9._-]` or a `\`-escaped punctuation character.
fn cpe_component(c: &str) -> bool {
    if c == "*" || c == "-" {
        return true;
    }
    // Tokens: (escaped, char).
    let mut tokens: Vec<(bool, char)> = Vec::new();
    let mut chars = c.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.next() {
                Some(e) if CPE_ESCAPABLE.contains(e) => tokens.push((true, e)),
                _ => return false,
            }
        } else {
            tokens.push((false, ch));
        }
    }
    let mut body: &[(bool, char)] = &tokens;
    if let Some(rest) = body.strip_prefix(&[(false, '*')]) {
        body = rest;
    } else {
        while let Some(rest) = body.strip_prefix(&[(false, '?')]) {
            body = rest;
        }
    }
    if let Some(rest) = body.strip_suffix(&[(false, '*')]) {
        body = rest;
    } else {
        while let Some(rest) = body.strip_suffix(&[(false, '?')]) {
            body = rest;
        }
    }
    !body.is_empty()
        && body
            .iter()
            .all(|(escaped, ch)| *escaped || ch.is_ascii_alphanumeric() || "-._".contains(*ch))
}

/// `*`, `-`, or a language tag `xx[x][-YY|-999]`.
fn cpe_language(c: &str) -> bool {
    if c == "*" || c == "-" {
        return true;
    }
    let (lang, region) = match c.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (c, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && region.is_none_or(|r| {
            (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
                || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_normalises_line_breaks_and_replaces_controls() {
        assert_eq!(clean("a\r\nb\rc\nd\te"), "a\nb\nc\nd\te");
        assert_eq!(
            clean("x\u{0}y\u{1b}z\u{7f}\u{85}"),
            "x\u{FFFD}y\u{FFFD}z\u{FFFD}\u{FFFD}"
        );
        assert_eq!(one_line("a\nb\r\nc"), "a b c");
        assert_eq!(clean("Sören – 日本"), "Sören – 日本");
    }

    #[test]
    fn sanitize_id_keeps_only_spdx_id_characters() {
        assert_eq!(sanitize_id("@actions/core"), "-actions-core");
        assert_eq!(sanitize_id("Sören.x-1"), "S-ren.x-1");
    }

    #[test]
    fn license_ref_is_readable_and_distinct_per_text() {
        let a = license_ref("public-domain");
        assert!(a.starts_with("LicenseRef-public-domain-"), "{a}");
        assert_eq!(a.len(), "LicenseRef-public-domain-".len() + 8);
        assert_ne!(license_ref("BSD License"), license_ref("BSD  License"));
        assert!(license_ref("LicenseRef-Foo").starts_with("LicenseRef-Foo-"));
        assert!(license_ref("Ω").starts_with("LicenseRef-unknown-"));
        let long = license_ref(&"Very long license name ".repeat(10));
        assert!(long.len() <= "LicenseRef-".len() + 40 + 9, "{long}");
        assert!(long
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
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
    fn declared_values_map_one_by_one() {
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

    #[test]
    fn people_parse_like_syft() {
        let p = |s| parse_person(s);
        assert_eq!(
            p("Natanael Copa <ncopa@alpinelinux.org>"),
            ("Natanael Copa".into(), "ncopa@alpinelinux.org".into())
        );
        assert_eq!(
            p("Fabio Crisci <piuccio@gmail.com> (https://github.com/piuccio/)"),
            ("Fabio Crisci".into(), "piuccio@gmail.com".into())
        );
        assert_eq!(
            p("Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)"),
            ("Isaac Z. Schlueter".into(), "i@izs.me".into())
        );
        assert_eq!(p("Kenneth Reitz"), ("Kenneth Reitz".into(), String::new()));
        assert_eq!(
            p("me@example.com"),
            (String::new(), "me@example.com".into())
        );
        assert_eq!(
            p("Jane (jane@example.com)"),
            ("Jane".into(), "jane@example.com".into())
        );
        assert_eq!(p("Jane (https://jane.dev)"), ("Jane".into(), String::new()));
        assert_eq!(
            format_person("Laszlo Boszormenyi (GCS)", "gcs@debian.org").as_deref(),
            Some("Person: Laszlo Boszormenyi (GCS) (gcs@debian.org)")
        );
        assert_eq!(
            format_person("Team (Core)", "").as_deref(),
            Some("Person: Team (Core) ()")
        );
        assert_eq!(format_person(" ", ""), None);
    }

    #[test]
    fn checksums_decode_npm_integrity_and_apk() {
        let npm = Metadata::Npm(crate::model::NpmMetadata {
            integrity: Some(
                "sha512-yIovAzMX49sF8Yl58fSCWJ5svSLuaibPxXQJFLmBObTuCr0Mf1KiPopGM9NiFjiYBCbfaa2Fh6breQ6ANVTI0A== sha1-pWlvvOrI5ut5lO2Em7OmAxpvlYM= md5-xx"
                    .into(),
            ),
            ..Default::default()
        });
        let c = checksums(&npm);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].algorithm, "SHA1");
        assert_eq!(c[0].value, "a5696fbceac8e6eb7994ed849bb3a6031a6f9583");
        assert_eq!(c[1].algorithm, "SHA512");
        assert_eq!(c[1].value.len(), 128);
        let apk = Metadata::Apk(crate::model::ApkMetadata {
            checksum: Some("Q1pWlvvOrI5ut5lO2Em7OmAxpvlYM=".into()),
            ..Default::default()
        });
        assert_eq!(
            checksums(&apk),
            vec![Checksum {
                algorithm: "SHA1",
                value: "a5696fbceac8e6eb7994ed849bb3a6031a6f9583".into()
            }]
        );
        let bad = Metadata::Apk(crate::model::ApkMetadata {
            checksum: Some("Q1notbase64!".into()),
            ..Default::default()
        });
        assert!(checksums(&bad).is_empty());
    }

    #[test]
    fn urls_are_checked_like_the_spdx_validators() {
        assert!(is_url("https://registry.npmjs.org/a/-/a-1.0.0.tgz"));
        assert!(is_url("http://user:pw@example.com:8080/x"));
        assert!(is_download_location("git+https://github.com/a/b.git"));
        assert!(!is_url("https://localhost/x"));
        assert!(!is_url("https://127.0.0.1/x"));
        assert!(!is_url("file:///tmp/x"));
        assert!(!is_url("https://exa mple.com"));
        assert!(!is_url("https://example.com/a\nb"));
        assert!(!is_url("https://-example.com"));
        assert!(!is_url("example.com"));
    }

    #[test]
    fn purls_and_cpes_are_checked_like_the_spdx_validators() {
        assert!(is_purl("pkg:npm/%40actions/core@1.6.0"));
        assert!(is_purl(
            "pkg:apk/alpine/bash@5.2.21-r0?arch=x86_64&distro=alpine-3.19.1"
        ));
        assert!(!is_purl("pkg:npm"));
        assert!(!is_purl("pkg:/x"));
        assert!(!is_purl("pkg:npm/a b@1"));
        assert!(!is_purl("npm/a@1"));
        assert!(is_cpe23("cpe:2.3:a:gnu:bash:5.2.21-r0:*:*:*:*:*:*:*"));
        assert!(is_cpe23(
            "cpe:2.3:a:busybox_binsh:busybox-binsh:1.36.1-r15:*:*:*:*:*:*:*"
        ));
        assert!(is_cpe23("cpe:2.3:a:foo\\:bar:x\\!:1.0:*:*:en-US:*:*:*:*"));
        assert!(is_cpe23("cpe:2.3:a:*foo?:bar*:1.0:-:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:2.3:a:foo:bar:1 0:*:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:2.3:a:fo\\-o:bar:1.0:*:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:2.3:a:foo:bar:1.0:*:*:english:*:*:*:*"));
        assert!(!is_cpe23("cpe:/a:foo:bar"));
    }
}
