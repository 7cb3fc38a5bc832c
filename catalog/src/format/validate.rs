//! Value checks the specifications' schemas and validators impose, shared
//! by the writers: a value that fails one stays out of the document (or
//! goes elsewhere, e.g. a CPE into a property), so the output validates.

/// Whether `s` matches the `cpe` pattern of the CycloneDX XSDs (CPE 2.2 URI
/// or CPE 2.3 formatted string). The JSON schemas take any string; the
/// XML schemas do not, and a CPE is built from package-controlled names.
pub fn is_cpe(s: &str) -> bool {
    if s.starts_with("cpe:2.3:") {
        return is_cpe23(s);
    }
    // ([c][pP][eE]:/[AHOaho]?(:[A-Za-z0-9\._\-~%]*){0,6})
    let (Some("cpe:/" | "cPe:/" | "cpE:/" | "cPE:/"), Some(rest)) = (s.get(..5), s.get(5..)) else {
        return false;
    };
    let rest = rest
        .strip_prefix(['A', 'H', 'O', 'a', 'h', 'o'])
        .unwrap_or(rest);
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let parts: Vec<&str> = rest.split(':').collect();
    parts.len() <= 6
        && parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-~%".contains(c))
        })
}

/// A CPE 2.3 formatted string as the SPDX `cpe23Type` pattern defines it:
/// part, then ten components, `:`-separated with `\` escapes.
pub fn is_cpe23(cpe: &str) -> bool {
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

/// A conservative address check: `local@domain` in printable ASCII.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// An absolute URL in plain ASCII with a host: what `iri-reference` and
/// `xs:anyURI` accept without doubt. Anything else stays out of the BOM.
pub fn is_absolute_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    scheme_ok
        && !host.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !"<>\"{}|\\^`".contains(c))
}

/// A URL the SPDX validators accept (`PackageHomePage`): a scheme they
/// know, an optional user part, a host name ending in a 2–5 letter
/// top-level label, an optional port, then a path. Stricter than the
/// validators' pattern, never looser; no whitespace.
pub fn is_spdx_url(u: &str) -> bool {
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
pub fn is_download_location(u: &str) -> bool {
    let lower = u.to_ascii_lowercase();
    let rest = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map_or(u, |p| &u[p.len()..]);
    is_spdx_url(rest)
}

/// A PURL the validators accept (`pkg:TYPE/…`), without whitespace (tag-value
/// splits `ExternalRef` on spaces).
pub fn is_purl(purl: &str) -> bool {
    if has_space_or_control(purl) {
        return false;
    }
    purl.strip_prefix("pkg:")
        .and_then(|rest| rest.get(1..))
        .and_then(|rest| rest.find('/').map(|i| i + 1 < rest.len()))
        .unwrap_or(false)
}

fn has_space_or_control(s: &str) -> bool {
    s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpe_check_follows_the_xsd_pattern() {
        assert!(is_cpe(
            "cpe:2.3:a:libpam-runtime:pam:1.1.8-3.6:*:*:*:*:*:*:*"
        ));
        assert!(is_cpe(
            "cpe:2.3:a:python-requests:requests:2.31.0:*:*:*:*:python:*:*"
        ));
        assert!(is_cpe(r"cpe:2.3:a:acme:a\:b\!c:1.0\+2:*:*:*:*:*:*:*"));
        assert!(is_cpe("cpe:2.3:o:*:??linux*:-:*:*:en-us:*:*:*:*"));
        assert!(is_cpe("cpe:/a:apache:tomcat:7.0.0"));
        assert!(!is_cpe("cpe:2.3:a:acme:a b:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:acme:x:1:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:acme:x:1:*:*:english:*:*:*:*"));
        assert!(!is_cpe(r"cpe:2.3:a:acme:x\:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:acme:x:**:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:<x>:x:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:ac\u{e9}:x:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("not a cpe"));
        assert!(!is_cpe(""));
    }

    #[test]
    fn urls_and_emails_are_checked_conservatively() {
        assert!(is_absolute_url("https://example.com/a?b=c#d"));
        assert!(is_absolute_url("git+ssh://git@example.com/x.git"));
        assert!(!is_absolute_url("https://exa mple.com"));
        assert!(!is_absolute_url("javascript:alert(1)"));
        assert!(!is_absolute_url("https:///path"));
        assert!(!is_absolute_url("https://example.com/<x>"));
        assert!(is_email("a.b+c@example.org"));
        assert!(!is_email("a b@example.org"));
        assert!(!is_email("a@b@c"));
        assert!(!is_email("@example.org"));
        assert!(!is_email("a@.org"));
    }

    #[test]
    fn urls_are_checked_like_the_spdx_validators() {
        assert!(is_spdx_url("https://registry.npmjs.org/a/-/a-1.0.0.tgz"));
        assert!(is_spdx_url("http://user:pw@example.com:8080/x"));
        assert!(is_download_location("git+https://github.com/a/b.git"));
        assert!(!is_spdx_url("https://localhost/x"));
        assert!(!is_spdx_url("https://127.0.0.1/x"));
        assert!(!is_spdx_url("file:///tmp/x"));
        assert!(!is_spdx_url("https://exa mple.com"));
        assert!(!is_spdx_url("https://example.com/a\nb"));
        assert!(!is_spdx_url("https://-example.com"));
        assert!(!is_spdx_url("example.com"));
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
