//! Value-level rules: cleaning text, SPDX ids, actors and checksums. The
//! checks a value must pass before it goes into a field the SPDX validators
//! check (URLs, PURLs, CPEs) are in [`crate::format::validate`].

use sha2::{Digest as _, Sha256};

use crate::cataloger::{HashAlgorithm, Person, Supplier};
use crate::model::Metadata;

use super::write::Checksum;

/// Line breaks normalised to `\n`; every other control character (C0 but
/// tab and newline, DEL, C1) replaced by U+FFFD. SPDX readers read text
/// with universal newlines, so a lone `\r` would otherwise end a line.
pub(in crate::format) fn clean(s: &str) -> String {
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
pub(in crate::format) fn one_line(s: &str) -> String {
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
pub(in crate::format) fn is_plain_line(v: &str) -> bool {
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
pub(in crate::format) fn sanitize_id(s: &str) -> String {
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
pub(in crate::format) fn license_ref(text: &str) -> String {
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

/// `Person: NAME (EMAIL)` from the supplier the metadata records, as syft
/// derives supplier and originator: a maintainer or author string, or
/// Python's `Author` plus the first `Author-email`. `None` when there is
/// no name.
pub(in crate::format) fn person(supplier: Option<Supplier<'_>>) -> Option<String> {
    let (name, email) = match supplier? {
        Supplier::Organization(name) => {
            let name = one_line(name).trim().to_owned();
            return (!name.is_empty()).then(|| format!("Organization: {name}"));
        }
        Supplier::Maintainer(s) | Supplier::Author(s) => parse_person(s),
        Supplier::AuthorFields { name, email } | Supplier::MaintainerFields { name, email } => {
            let (n1, e1) = parse_person(name.unwrap_or(""));
            // `Author-email` may list several, comma-separated.
            let first_email = email.unwrap_or("").split(',').next().unwrap_or("");
            let (n2, e2) = parse_person(first_email);
            (
                if n1.is_empty() { n2 } else { n1 },
                if e1.is_empty() { e2 } else { e1 },
            )
        }
    };
    format_person(&name, &email)
}

/// The package checksums the metadata records, sorted, one per algorithm.
pub(in crate::format) fn checksums(metadata: &Metadata) -> Vec<Checksum> {
    let mut out: Vec<Checksum> = metadata
        .fields()
        .checksums()
        .into_iter()
        .map(|c| Checksum {
            algorithm: match c.algorithm {
                HashAlgorithm::Sha1 => "SHA1",
                HashAlgorithm::Sha256 => "SHA256",
                HashAlgorithm::Sha384 => "SHA384",
                HashAlgorithm::Sha512 => "SHA512",
            },
            value: c.value,
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.algorithm == b.algorithm);
    out
}

/// Name and email of a person string ([`Person::parse`]).
pub(in crate::format) fn parse_person(s: &str) -> (String, String) {
    let p = Person::parse(s);
    (p.name.to_owned(), p.email.to_owned())
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

/// `sha256:<64 hex>` as an SPDX checksum.
pub(in crate::format) fn digest_checksum(digest: &str) -> Option<Checksum> {
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
}
