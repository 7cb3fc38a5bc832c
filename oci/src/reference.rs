//! Image references (`alpine:3.19`, `ghcr.io/x/y@sha256:…`), parsed with
//! docker's rules (see distribution's `reference` grammar:
//! <https://github.com/distribution/reference/blob/main/reference.go>).

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// The registry that names without a registry part refer to.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that serves docker.io's distribution API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The tag used when a reference has neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";

const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A parsed, normalized image reference: `registry/repository[:tag][@digest]`.
///
/// After [`Reference::parse`], at least one of `tag` and `digest` is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Registry host with optional port (`docker.io`, `ghcr.io`,
    /// `localhost:5000`), as written (normalized for docker.io).
    pub registry: String,
    /// Repository path (`library/alpine`, `x/y`).
    pub repository: String,
    /// Tag (`3.19`), if any.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if any.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses `s` with docker's rules: the first path component is a
    /// registry when it contains `.` or `:`, is `localhost`, or has an
    /// uppercase letter; otherwise the registry is docker.io, where
    /// single-component names get a `library/` prefix. Without tag or
    /// digest the tag is `latest`.
    pub fn parse(s: &str) -> Result<Reference> {
        let invalid = |message: String| Error::Source {
            source_ref: s.to_string(),
            message,
        };
        if s.is_empty() {
            return Err(invalid("empty image reference".into()));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("image reference contains whitespace".into()));
        }

        let (rest, digest) = match s.split_once('@') {
            Some((rest, digest)) => {
                validate_digest(digest).map_err(invalid)?;
                (rest, Some(digest.to_string()))
            }
            None => (s, None),
        };

        // A tag is a `:` after the last `/`; a `:` before it is a port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(rest[at + 1..].to_string()))
            }
            None => (rest, None),
        };
        if let Some(tag) = &tag {
            validate_tag(tag).map_err(invalid)?;
        }
        if name.is_empty() {
            return Err(invalid("missing repository name".into()));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(invalid(format!(
                "repository name longer than {MAX_NAME_LEN} characters"
            )));
        }

        let (registry, repository) = match name.split_once('/') {
            Some((first, remainder)) if is_registry(first) => {
                validate_registry(first).map_err(invalid)?;
                (first.to_string(), remainder.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        validate_repository(&repository).map_err(invalid)?;

        let tag = match (&tag, &digest) {
            (None, None) => Some(DEFAULT_TAG.to_string()),
            _ => tag,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host (with port) that serves the distribution API:
    /// `registry-1.docker.io` for docker.io, else the registry itself.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What to ask the registry for: the digest if set, else the tag.
    pub fn reference_str(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or(DEFAULT_TAG)
    }

    /// `registry/repository` without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    /// The canonical form: `registry/repository[:tag][@digest]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Reference::parse(s)
    }
}

fn is_registry(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.chars().any(|c| c.is_ascii_uppercase())
}

/// Checks `host[:port]`, where host is a DNS name, an IPv4 address or a
/// bracketed IPv6 address.
fn validate_registry(registry: &str) -> std::result::Result<(), String> {
    let bad = || format!("invalid registry `{registry}`");
    let port = if let Some(rest) = registry.strip_prefix('[') {
        let (inner, after) = rest.split_once(']').ok_or_else(bad)?;
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(bad());
        }
        match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(bad)?),
        }
    } else {
        let (host, port) = match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        };
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !host.split('.').all(label_ok) {
            return Err(bad());
        }
        port
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("invalid port in registry `{registry}`"));
        }
    }
    Ok(())
}

/// Checks each path component against
/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
fn validate_repository(repository: &str) -> std::result::Result<(), String> {
    for component in repository.split('/') {
        if component.is_empty() {
            return Err(format!(
                "invalid repository `{repository}`: empty path component"
            ));
        }
        if component.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "invalid repository `{repository}`: must be lowercase"
            ));
        }
        if !component_ok(component) {
            return Err(format!(
                "invalid repository `{repository}`: component `{component}` may hold only \
                 a-z, 0-9 and single `.`, `_`, `__` or `-` separators between them"
            ));
        }
    }
    Ok(())
}

fn component_ok(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    // Leading alphanumeric run.
    let start = i;
    while i < bytes.len() && alnum(bytes[i]) {
        i += 1;
    }
    if i == start {
        return false;
    }
    while i < bytes.len() {
        // Separator: `.`, `_`, `__` or one or more `-`.
        match bytes[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < bytes.len() && bytes[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < bytes.len() && bytes[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    true
}

/// Checks a tag against `[\w][\w.-]{0,127}`.
pub(crate) fn validate_tag(tag: &str) -> std::result::Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    let ok = match chars.next() {
        Some(first) => word(first) && chars.all(|c| word(c) || c == '.' || c == '-'),
        None => return Err("empty tag".into()),
    };
    if !ok {
        return Err(format!(
            "invalid tag `{tag}`: may hold only letters, digits, `_`, `.` and `-`, \
             and may not start with `.` or `-`"
        ));
    }
    if tag.len() > MAX_TAG_LEN {
        return Err(format!("tag longer than {MAX_TAG_LEN} characters"));
    }
    Ok(())
}

/// Checks a digest: `sha256:` with 64 or `sha512:` with 128 lowercase hex
/// digits.
pub(crate) fn validate_digest(digest: &str) -> std::result::Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "invalid digest `{digest}`: expected `sha256:<hex>`"
        ));
    };
    let len = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "invalid digest `{digest}`: unsupported algorithm `{algorithm}`"
            ))
        }
    };
    if hex.len() != len
        || !hex
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        return Err(format!(
            "invalid digest `{digest}`: expected {len} lowercase hex digits after `{algorithm}:`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn parts(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = Reference::parse(s).unwrap();
        (r.registry, r.repository, r.tag, r.digest)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn short_name_is_docker_hub_library_latest() {
        assert_eq!(
            parts("alpine"),
            (
                "docker.io".into(),
                "library/alpine".into(),
                some("latest"),
                None
            )
        );
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.reference_str(), "latest");
    }

    #[test]
    fn name_with_tag() {
        assert_eq!(
            parts("alpine:3.19"),
            (
                "docker.io".into(),
                "library/alpine".into(),
                some("3.19"),
                None
            )
        );
    }

    #[test]
    fn user_repository_on_docker_hub() {
        assert_eq!(
            parts("user/app"),
            ("docker.io".into(), "user/app".into(), some("latest"), None)
        );
        assert_eq!(
            parts("index.docker.io/user/app:1").0,
            "docker.io".to_string()
        );
        assert_eq!(parts("docker.io/alpine").1, "library/alpine".to_string());
    }

    #[test]
    fn registry_with_digest() {
        let s = format!("ghcr.io/x/y@{D}");
        assert_eq!(parts(&s), ("ghcr.io".into(), "x/y".into(), None, some(D)));
        let r = Reference::parse(&s).unwrap();
        assert_eq!(r.reference_str(), D);
        assert_eq!(r.api_host(), "ghcr.io");
        assert_eq!(r.to_string(), s);
    }

    #[test]
    fn localhost_with_port_and_tag() {
        assert_eq!(
            parts("localhost:5000/app:tag"),
            ("localhost:5000".into(), "app".into(), some("tag"), None)
        );
        assert_eq!(
            parts("localhost/app"),
            ("localhost".into(), "app".into(), some("latest"), None)
        );
    }

    #[test]
    fn ip_registry_with_digest() {
        let s = format!("127.0.0.1:5000/a/b@{D}");
        assert_eq!(
            parts(&s),
            ("127.0.0.1:5000".into(), "a/b".into(), None, some(D))
        );
        assert_eq!(
            parts("[::1]:5000/a:1"),
            ("[::1]:5000".into(), "a".into(), some("1"), None)
        );
    }

    #[test]
    fn tag_and_digest_both_kept() {
        let s = format!("ghcr.io/x/y:1.0@{D}");
        let r = Reference::parse(&s).unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.reference_str(), D);
        assert_eq!(r.to_string(), s);
    }

    #[test]
    fn first_component_without_dot_is_a_path() {
        assert_eq!(parts("myorg/team/app").0, "docker.io".to_string());
        assert_eq!(parts("Registry/app").0, "Registry".to_string());
    }

    fn err(s: &str) -> String {
        Reference::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(err("").contains("empty image reference"), "{}", err(""));
        assert!(
            err("Alpine").contains("must be lowercase"),
            "{}",
            err("Alpine")
        );
        assert!(
            err("alpine:-x").contains("invalid tag"),
            "{}",
            err("alpine:-x")
        );
        assert!(err("alpine:").contains("empty tag"));
        assert!(err("alpine@sha256:abc").contains("64 lowercase hex"));
        assert!(err("alpine@md5:abc").contains("unsupported algorithm"));
        assert!(err("alpine@abc").contains("invalid digest"));
        assert!(err("a//b").contains("empty path component"));
        assert!(
            err("ghcr.io/").contains("empty path component"),
            "{}",
            err("ghcr.io/")
        );
        assert!(
            err("localhost:x5/app").contains("invalid port"),
            "{}",
            err("localhost:x5/app")
        );
        assert!(err("a b").contains("whitespace"));
        assert!(
            err("bad_.name").contains("component"),
            "{}",
            err("bad_.name")
        );
        assert!(err("-bad.io/x").contains("invalid registry"));
        assert!(err(":tag").contains("missing repository"));
        let long = format!("a:{}", "x".repeat(129));
        assert!(err(&long).contains("longer than 128"));
        assert!(err("x@").contains("invalid digest"));
    }

    #[test]
    fn separators_in_components() {
        for ok in ["a.b", "a_b", "a__b", "a---b", "a-b.c_d"] {
            assert!(Reference::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a___b", "a..b", ".a", "a.", "a-"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
