//! Package URLs, built per <https://github.com/package-url/purl-spec>.

use std::fmt::Write;

/// A package URL under construction.
#[derive(Debug, Clone)]
pub struct Purl {
    ty: &'static str,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
}

impl Purl {
    /// A purl of type `ty` for `name`.
    pub fn new(ty: &'static str, name: &str) -> Self {
        Purl {
            ty,
            namespace: None,
            name: name.to_owned(),
            version: None,
            qualifiers: Vec::new(),
        }
    }

    /// Sets the namespace (e.g. `alpine`, `debian`, `@scope`).
    #[must_use]
    pub fn namespace(mut self, ns: &str) -> Self {
        if !ns.is_empty() {
            self.namespace = Some(ns.to_owned());
        }
        self
    }

    /// Sets the version.
    #[must_use]
    pub fn version(mut self, v: &str) -> Self {
        if !v.is_empty() {
            self.version = Some(v.to_owned());
        }
        self
    }

    /// Adds a qualifier; empty values are dropped as the spec requires.
    #[must_use]
    pub fn qualifier(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.qualifiers
                .push((key.to_ascii_lowercase(), v.to_owned()));
        }
        self
    }
}

impl std::fmt::Display for Purl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = format!("pkg:{}/", self.ty);
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/').filter(|s| !s.is_empty()) {
                s.push_str(&encode(seg));
                s.push('/');
            }
        }
        s.push_str(&encode(&self.name));
        if let Some(v) = &self.version {
            s.push('@');
            s.push_str(&encode(v));
        }
        let mut q = self.qualifiers.clone();
        q.sort();
        for (i, (k, v)) in q.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            let _ = write!(s, "{k}={}", encode(v));
        }
        f.write_str(&s)
    }
}

/// Percent-encodes everything but unreserved characters (and `:` which the
/// spec leaves as is), matching what packageurl-go emits.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                out.push(b as char);
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_npm_name_is_encoded_in_namespace() {
        let p = Purl::new("npm", "core")
            .namespace("@actions")
            .version("1.2.3");
        assert_eq!(p.to_string(), "pkg:npm/%40actions/core@1.2.3");
    }

    #[test]
    fn qualifiers_are_sorted_and_empty_ones_dropped() {
        let p = Purl::new("deb", "libc6")
            .namespace("debian")
            .version("2.36-9+deb12u4")
            .qualifier("distro", Some("debian-12"))
            .qualifier("arch", Some("amd64"))
            .qualifier("upstream", None);
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn epoch_colon_is_kept() {
        let p = Purl::new("deb", "login")
            .namespace("debian")
            .version("1:4.13+dfsg1-1");
        assert_eq!(p.to_string(), "pkg:deb/debian/login@1:4.13%2Bdfsg1-1");
    }
}
