//! apk-tools' version order (`apk version -t`; apk-tools `src/version.c`):
//! `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`, compared token by
//! token. Digit runs compare as numbers, except that a run after a dot with
//! a leading zero on either side compares as text (Gentoo's rule);
//! `_alpha`, `_beta`, `_pre` and `_rc` sort before the bare version, `_cvs`,
//! `_svn`, `_git`, `_hg` and `_p` after it; a `~hash` compares as text; the
//! `-rN` revision as a number. Where the two differ in the kind of the next
//! token, the one that ends (or turns invalid) first is older, unless the
//! other goes on with a pre-release suffix. Both turning invalid at the
//! same point compares equal, as in apk.
//!
//! Numbers are compared as digit strings of any length (apk-tools reads
//! them into 64 bits, which wraps past 20 digits; no real version has such
//! a number).

use std::cmp::Ordering;

use super::cmp_digits;

/// The kinds of token, in apk-tools' order (the order matters: a token
/// may only follow one of a lower kind, and when kinds differ the higher
/// kind is the older version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// The suffixes, in order; `None` is the rank of no suffix (the bare
/// version).
const SUFFIXES: [&str; 10] = [
    "alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p",
];
const NONE_RANK: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    value: &'a [u8],
    /// Rank of a suffix in [`SUFFIXES`].
    suffix: usize,
}

/// A tokenizer over one version string.
struct Tokens<'a> {
    rest: &'a [u8],
    current: Token<'a>,
}

impl<'a> Tokens<'a> {
    fn new(version: &'a str) -> Self {
        let mut t = Tokens {
            rest: version.as_bytes(),
            current: Token {
                kind: Kind::InitialDigit,
                value: b"",
                suffix: 0,
            },
        };
        t.digits(Kind::InitialDigit);
        t
    }

    /// Takes a run of digits as a token of `kind` (invalid when empty).
    fn digits(&mut self, kind: Kind) {
        let n = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let (value, rest) = self.rest.split_at(n);
        self.rest = rest;
        self.current = Token {
            kind: if value.is_empty() {
                Kind::Invalid
            } else {
                kind
            },
            value,
            suffix: 0,
        };
    }

    /// Takes the leading run of bytes matching `pred`.
    fn take(&mut self, pred: impl Fn(&u8) -> bool) -> &'a [u8] {
        let n = self.rest.iter().take_while(|c| pred(c)).count();
        let (value, rest) = self.rest.split_at(n);
        self.rest = rest;
        value
    }

    fn invalid(&mut self) {
        self.current.kind = Kind::Invalid;
    }

    /// Moves to the next token; after `End` or `Invalid` it stays there.
    fn advance(&mut self) {
        let prev = self.current.kind;
        if prev >= Kind::End {
            return;
        }
        let Some((&first, after)) = self.rest.split_first() else {
            self.current.kind = Kind::End;
            return;
        };
        match first {
            b'a'..=b'z' => {
                if prev > Kind::Digit {
                    return self.invalid();
                }
                self.current = Token {
                    kind: Kind::Letter,
                    value: &self.rest[..1],
                    suffix: 0,
                };
                self.rest = after;
            }
            b'.' | b'0'..=b'9' => {
                if first == b'.' {
                    if prev > Kind::Digit {
                        return self.invalid();
                    }
                    self.rest = after;
                }
                let kind = match prev {
                    Kind::InitialDigit | Kind::Digit => Kind::Digit,
                    Kind::Suffix => Kind::SuffixNo,
                    _ => return self.invalid(),
                };
                self.digits(kind);
            }
            b'_' => {
                if prev > Kind::SuffixNo {
                    return self.invalid();
                }
                self.rest = after;
                let value = self.take(u8::is_ascii_lowercase);
                match suffix_rank(value) {
                    Some(rank) => {
                        self.current = Token {
                            kind: Kind::Suffix,
                            value,
                            suffix: rank,
                        };
                    }
                    None => self.invalid(),
                }
            }
            b'~' => {
                if prev >= Kind::CommitHash {
                    return self.invalid();
                }
                self.rest = after;
                let value = self.take(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
                if value.is_empty() {
                    return self.invalid();
                }
                self.current = Token {
                    kind: Kind::CommitHash,
                    value,
                    suffix: 0,
                };
            }
            b'-' => {
                if prev >= Kind::RevisionNo {
                    return self.invalid();
                }
                match self.rest.strip_prefix(b"-r") {
                    Some(rest) => {
                        self.rest = rest;
                        self.digits(Kind::RevisionNo);
                    }
                    None => self.invalid(),
                }
            }
            _ => self.invalid(),
        }
    }
}

/// The rank of a suffix name: it must be one of [`SUFFIXES`] exactly.
fn suffix_rank(name: &[u8]) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    SUFFIXES
        .iter()
        .position(|s| !s.is_empty() && s.as_bytes() == name)
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

/// Orders two tokens of the same kind.
fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        Kind::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Kind::Digit | Kind::InitialDigit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_digits(as_str(a.value), as_str(b.value))
        }
        Kind::Letter => a.value.first().cmp(&b.value.first()),
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        Kind::CommitHash | Kind::End | Kind::Invalid => a.value.cmp(b.value),
    }
}

/// Orders two Alpine package versions as `apk version -t` does.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let (mut ta, mut tb) = (Tokens::new(a), Tokens::new(b));
    while ta.current.kind == tb.current.kind && ta.current.kind < Kind::End {
        let r = token_cmp(&ta.current, &tb.current);
        if r != Ordering::Equal {
            return r;
        }
        ta.advance();
        tb.advance();
    }
    let (ka, kb) = (ta.current, tb.current);
    if ka.kind == kb.kind {
        return Ordering::Equal;
    }
    // The longer version is newer unless it goes on with a pre-release.
    if ka.kind == Kind::Suffix && ka.suffix < NONE_RANK {
        return Ordering::Less;
    }
    if kb.kind == Kind::Suffix && kb.suffix < NONE_RANK {
        return Ordering::Greater;
    }
    kb.kind.cmp(&ka.kind)
}

/// True when apk-tools accepts `version` (`apk_version_validate`).
#[cfg(test)]
fn is_valid(version: &str) -> bool {
    let mut t = Tokens::new(version);
    while t.current.kind < Kind::End {
        t.advance();
    }
    t.current.kind == Kind::End
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apk-tools' own validity vectors (`VERSION` must be valid, `!VERSION`
    /// invalid) from its test/unit/version.data.
    #[test]
    fn validity_matches_apk_tools_test_data() {
        let data = include_str!("../../testdata/version/apk-version.data");
        let mut checked = 0;
        for line in data.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() || line.contains(' ') {
                continue;
            }
            match line.strip_prefix('!') {
                Some(v) => assert!(!is_valid(v), "{v:?} must be invalid"),
                None => assert!(is_valid(line), "{line:?} must be valid"),
            }
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} validity lines");
    }

    #[test]
    fn alpine_examples() {
        let less = |a, b| assert_eq!(compare(a, b), Ordering::Less, "{a} < {b}");
        less("1.2.3-r0", "1.2.3-r1");
        less("1.2.3_rc1-r0", "1.2.3-r0");
        less("1.2.3-r9", "1.2.3_p1-r0");
        less("1.2.9", "1.2.10");
        less("1.01", "1.1");
        less("1.0", "1.0a");
        assert_eq!(compare("01.0", "1.0"), Ordering::Equal);
    }
}
