//! SemVer 2.0.0 order (as npm's `semver.compare`): major, minor, patch as
//! numbers, a pre-release before its release, pre-release identifiers
//! compared in turn (numbers as numbers and before text), build metadata
//! ignored. A leading `v` (Go modules) is allowed.

use std::cmp::Ordering;

use super::cmp_digits;

/// A parsed version; its parts borrow the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Version<'a> {
    core: [&'a str; 3],
    pre: Vec<&'a str>,
}

impl<'a> Version<'a> {
    /// Parses `[v]MAJOR.MINOR.PATCH[-PRE][+BUILD]`; `None` when it is not
    /// SemVer (leading zeros, empty identifiers, other characters).
    pub(super) fn parse(text: &'a str) -> Option<Version<'a>> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let (text, build) = match text.split_once('+') {
            Some((t, b)) => (t, Some(b)),
            None => (text, None),
        };
        if let Some(build) = build {
            if !build.split('.').all(identifier) {
                return None;
            }
        }
        let (core, pre) = match text.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (text, None),
        };
        let mut parts = core.split('.');
        let mut number = || {
            let n = parts.next()?;
            let valid = !n.is_empty()
                && n.bytes().all(|c| c.is_ascii_digit())
                && (n == "0" || !n.starts_with('0'));
            valid.then_some(n)
        };
        let core = [number()?, number()?, number()?];
        if parts.next().is_some() {
            return None;
        }
        let pre = match pre {
            None => Vec::new(),
            Some(pre) => {
                let ids: Vec<&str> = pre.split('.').collect();
                let valid = ids.iter().all(|id| {
                    identifier(id)
                        && !(id.len() > 1
                            && id.starts_with('0')
                            && id.bytes().all(|c| c.is_ascii_digit()))
                });
                if !valid {
                    return None;
                }
                ids
            }
        };
        Some(Version { core, pre })
    }
}

fn identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

fn cmp_identifier(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        let core = self
            .core
            .iter()
            .zip(other.core.iter())
            .map(|(a, b)| cmp_digits(a, b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal);
        core.then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(other.pre.iter()) {
                    let o = cmp_identifier(a, b);
                    if o.is_ne() {
                        return o;
                    }
                }
                self.pre.len().cmp(&other.pre.len())
            }
        })
    }
}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_spec_order() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "v1.10.0",
        ];
        for pair in order.windows(2) {
            let (a, b) = (
                Version::parse(pair[0]).unwrap(),
                Version::parse(pair[1]).unwrap(),
            );
            assert!(a < b, "{} < {}", pair[0], pair[1]);
        }
        let (a, b) = (
            Version::parse("1.0.0+a").unwrap(),
            Version::parse("1.0.0+b").unwrap(),
        );
        assert_eq!(a.cmp(&b), Ordering::Equal);
        for bad in ["1.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "1.0.0.0"] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }
}
