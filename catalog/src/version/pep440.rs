//! PEP 440 versions and their order (as `packaging.version.Version`):
//! epoch, release (trailing zeros ignored), pre-release, post-release,
//! development release, local label. Spellings are normalised as PEP 440
//! allows (`1.0-RC.1`, `1.0.post-1`, `v1.0`).

use std::cmp::Ordering;

use super::cmp_digits;

/// A parsed version. Numbers are kept as digit strings (compared as
/// numbers of any length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Version {
    epoch: String,
    release: Vec<String>,
    /// (0 = a, 1 = b, 2 = rc; number)
    pre: Option<(u8, String)>,
    post: Option<String>,
    dev: Option<String>,
    local: Vec<Local>,
}

/// A segment of the local label: numbers sort after strings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Local {
    Text(String),
    Number(String),
}

impl Ord for Local {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Local::Number(a), Local::Number(b)) => cmp_digits(a, b),
            (Local::Text(a), Local::Text(b)) => a.cmp(b),
            (Local::Number(_), Local::Text(_)) => Ordering::Greater,
            (Local::Text(_), Local::Number(_)) => Ordering::Less,
        }
    }
}

impl PartialOrd for Local {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A cursor over the lowercased version text.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn eat_separator(&mut self) -> bool {
        matches!(self.peek(), Some(b'.' | b'-' | b'_')) && {
            self.at += 1;
            true
        }
    }
    fn digits(&mut self) -> Option<String> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }
    /// The longest of `words` at the cursor, taken.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = &self.s[self.at.min(self.s.len())..];
        let (index, word) = words
            .iter()
            .enumerate()
            .filter(|(_, w)| rest.starts_with(w.as_bytes()))
            .max_by_key(|(_, w)| w.len())?;
        self.at += word.len();
        Some(index)
    }
}

impl Version {
    /// Parses a version; `None` when it is not PEP 440.
    pub(super) fn parse(text: &str) -> Option<Version> {
        let lower = text.trim().to_ascii_lowercase();
        let mut c = Cursor {
            s: lower.as_bytes(),
            at: 0,
        };
        c.eat(b'v');
        let mut epoch = "0".to_owned();
        let mut release = vec![c.digits()?];
        if c.eat(b'!') {
            epoch = release.pop()?;
            release.push(c.digits()?);
        }
        while c.peek() == Some(b'.') && c.s.get(c.at + 1).is_some_and(u8::is_ascii_digit) {
            c.at += 1;
            release.push(c.digits()?);
        }
        let mut version = Version {
            epoch,
            release,
            pre: None,
            post: None,
            dev: None,
            local: Vec::new(),
        };
        // Pre-release: [sep](a|alpha|b|beta|c|rc|pre|preview)[sep][N]
        let save = c.at;
        c.eat_separator();
        const PRE: &[&str] = &["a", "alpha", "b", "beta", "c", "rc", "pre", "preview"];
        match c.word(PRE) {
            Some(i) => {
                let kind = match i {
                    0 | 1 => 0,
                    2 | 3 => 1,
                    _ => 2,
                };
                let before = c.at;
                c.eat_separator();
                let n = c.digits().unwrap_or_else(|| {
                    c.at = before;
                    "0".to_owned()
                });
                version.pre = Some((kind, n));
            }
            None => c.at = save,
        }
        // Post-release: -N, or [sep](post|rev|r)[sep][N]
        let save = c.at;
        if c.eat(b'-') && c.peek().is_some_and(|d| d.is_ascii_digit()) {
            version.post = c.digits();
        } else {
            c.at = save;
            c.eat_separator();
            if c.word(&["post", "rev", "r"]).is_some() {
                let before = c.at;
                c.eat_separator();
                version.post = Some(c.digits().unwrap_or_else(|| {
                    c.at = before;
                    "0".to_owned()
                }));
            } else {
                c.at = save;
            }
        }
        // Development release: [sep]dev[sep][N]
        let save = c.at;
        c.eat_separator();
        if c.word(&["dev"]).is_some() {
            let before = c.at;
            c.eat_separator();
            version.dev = Some(c.digits().unwrap_or_else(|| {
                c.at = before;
                "0".to_owned()
            }));
        } else {
            c.at = save;
        }
        // Local label: +segment([.-_]segment)*
        if c.eat(b'+') {
            loop {
                let start = c.at;
                while c.peek().is_some_and(|d| d.is_ascii_alphanumeric()) {
                    c.at += 1;
                }
                let segment = String::from_utf8_lossy(&c.s[start..c.at]).into_owned();
                if segment.is_empty() {
                    return None;
                }
                version
                    .local
                    .push(if segment.bytes().all(|d| d.is_ascii_digit()) {
                        Local::Number(segment)
                    } else {
                        Local::Text(segment)
                    });
                if !c.eat_separator() {
                    break;
                }
            }
        }
        (c.at == c.s.len()).then_some(version)
    }

    /// The release without trailing zeros (1.0 == 1.0.0).
    fn release(&self) -> &[String] {
        let zeros = self
            .release
            .iter()
            .rev()
            .take_while(|n| n.bytes().all(|d| d == b'0'))
            .count();
        &self.release[..self.release.len() - zeros]
    }
}

/// How the pre-release sorts: a development release of a final version
/// (no pre, no post) before every pre-release, no pre-release after them.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreKey<'a> {
    DevOnly,
    Pre(u8, Number<'a>),
    Final,
}

/// A digit string ordered as a number.
#[derive(PartialEq, Eq)]
struct Number<'a>(&'a str);

impl Ord for Number<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.0, other.0)
    }
}

impl PartialOrd for Number<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Version {
    fn pre_key(&self) -> PreKey<'_> {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => PreKey::DevOnly,
            (Some((kind, n)), _, _) => PreKey::Pre(*kind, Number(n)),
            _ => PreKey::Final,
        }
    }
}

impl Version {
    fn release_key(&self) -> Vec<Number<'_>> {
        self.release().iter().map(|n| Number(n)).collect()
    }
    /// No post-release sorts before any.
    fn post_key(&self) -> Option<Number<'_>> {
        self.post.as_deref().map(Number)
    }
    /// No development release sorts after any.
    fn dev_key(&self) -> (bool, Option<Number<'_>>) {
        (self.dev.is_none(), self.dev.as_deref().map(Number))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| self.release_key().cmp(&other.release_key()))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| self.post_key().cmp(&other.post_key()))
            .then_with(|| self.dev_key().cmp(&other.dev_key()))
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn pep_440_order() {
        let order = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for pair in order.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0").cmp(&v("1.0.0")), Ordering::Equal);
        assert_eq!(v("1.0-RC.1").cmp(&v("1.0rc1")), Ordering::Equal);
        assert_eq!(v("1.0-1").cmp(&v("1.0.post1")), Ordering::Equal);
        assert!(Version::parse("1.0+").is_none());
        assert!(Version::parse("banana").is_none());
    }
}
