//! Which files the catalogers want, as data: a set of path globs built from
//! the catalogers' declarations, with a fingerprint a layer cache can key on.
//!
//! A glob is matched against a normalised path (no leading slash, no empty,
//! `.` or `..` segments) one `/`-separated segment at a time:
//!
//! - `**` as a whole segment matches zero or more segments;
//! - in any other segment, `*` matches any run of characters (none
//!   included), `?` one character, `[abc]` one of the listed characters and
//!   `[!abc]` one character not listed (no ranges: case-insensitive parts
//!   are spelled `[dD][iI]…`); everything else matches itself.
//!
//! Every string is a valid glob: a `[` without its `]` is a literal `[`.
//! A [`Rule`] is a glob and optional exceptions (`unless`); a path is
//! wanted when some rule's glob matches it and none of that rule's
//! exceptions does. Matching allocates nothing.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use super::extract::Extractors;

/// Version of the canonical form [`Wanted::canonical`] writes. Bump it when
/// the glob semantics change, so that fingerprints (and cache entries keyed
/// on them) from before the change no longer match.
pub const FORMAT: &str = "sbomctl-wanted/1";

/// One declaration: files matching `glob`, unless they match one of the
/// exceptions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule {
    glob: String,
    unless: BTreeSet<String>,
}

impl Rule {
    /// Files matching `glob`.
    pub fn new(glob: impl Into<String>) -> Self {
        Rule {
            glob: glob.into(),
            unless: BTreeSet::new(),
        }
    }

    /// The same rule, except for files matching `glob`.
    #[must_use]
    pub fn unless(mut self, glob: impl Into<String>) -> Self {
        self.unless.insert(glob.into());
        self
    }

    /// The glob.
    pub fn glob(&self) -> &str {
        &self.glob
    }

    /// The exceptions, sorted.
    pub fn exceptions(&self) -> impl Iterator<Item = &str> {
        self.unless.iter().map(String::as_str)
    }
}

/// The set of files the layer reader keeps, with their content, for the
/// catalogers. Built once per scan from every registered cataloger's
/// [`Rule`]s; equal rule sets give equal values and fingerprints whatever
/// the order they were declared in. It also carries the [`Extractors`]
/// the reader offers every regular file to ([`Wanted::with_extractors`]);
/// their ids are not part of [`Wanted::fingerprint`] but of
/// [`index_fingerprint`](super::index_fingerprint).
#[derive(Debug, Clone)]
pub struct Wanted {
    rules: BTreeSet<Rule>,
    /// Matchers of the rules whose last glob segment is a plain name, by
    /// that name: most paths are turned away by one hash lookup.
    by_name: HashMap<String, Vec<Matcher>>,
    /// Matchers of the other rules (`*.md5sums`, `status.d/*`, …).
    other: Vec<Matcher>,
    fingerprint: String,
    extractors: Extractors,
    /// Paths the user excluded (`--exclude`): never kept, never offered to
    /// the extractors, never recorded.
    excluded: Option<Box<Exclusions>>,
    /// Digests of every regular file's content the reader computes as it
    /// streams (`--file-digests`), sorted.
    file_digests: Vec<crate::model::DigestAlgorithm>,
}

impl PartialEq for Wanted {
    fn eq(&self, other: &Self) -> bool {
        self.rules == other.rules
            && self.extractors == other.extractors
            && self.excluded.as_ref().map(|e| &e.globs) == other.excluded.as_ref().map(|e| &e.globs)
            && self.file_digests == other.file_digests
    }
}

/// Paths excluded from a scan, as globs over normalised paths with the
/// same syntax as [`Rule`]s; a path under an excluded directory is
/// excluded too.
#[derive(Debug, Clone)]
pub struct Exclusions {
    globs: BTreeSet<String>,
    matcher: Box<Wanted>,
}

impl Exclusions {
    /// Excludes the paths `globs` match, and everything under them.
    pub fn new(globs: impl IntoIterator<Item = String>) -> Self {
        let globs: BTreeSet<String> = globs.into_iter().collect();
        let matcher = Wanted::new(
            globs
                .iter()
                .flat_map(|g| [Rule::new(g.clone()), Rule::new(format!("{g}/**"))]),
        );
        Exclusions {
            globs,
            matcher: Box::new(matcher),
        }
    }

    /// Whether normalised `path` is excluded.
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.matches(path)
    }

    /// True when nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }
}

impl Eq for Wanted {}

impl Wanted {
    /// The files `rules` select (duplicates collapse).
    pub fn new(rules: impl IntoIterator<Item = Rule>) -> Self {
        let rules: BTreeSet<Rule> = rules.into_iter().collect();
        let mut by_name: HashMap<String, Vec<Matcher>> = HashMap::new();
        let mut other = Vec::new();
        for rule in &rules {
            let matcher = Matcher::compile(rule);
            match matcher.last_name() {
                Some(name) => by_name.entry(name.to_owned()).or_default().push(matcher),
                None => other.push(matcher),
            }
        }
        let fingerprint = hex::encode(Sha256::digest(canonical(&rules).as_bytes()));
        Wanted {
            rules,
            by_name,
            other,
            fingerprint,
            extractors: Extractors::default(),
            excluded: None,
            file_digests: Vec::new(),
        }
    }

    /// The same rules; the reader also hashes every regular file's
    /// content with `algorithms` as it streams. They are part of
    /// [`index_fingerprint`](super::index_fingerprint), not of
    /// [`Wanted::fingerprint`].
    #[must_use]
    pub fn with_file_digests(mut self, algorithms: &[crate::model::DigestAlgorithm]) -> Self {
        let mut algorithms = algorithms.to_vec();
        algorithms.sort_unstable();
        algorithms.dedup();
        self.file_digests = algorithms;
        self
    }

    /// The file digest algorithms ([`Wanted::with_file_digests`]), sorted.
    pub fn file_digests(&self) -> &[crate::model::DigestAlgorithm] {
        &self.file_digests
    }

    /// The same rules, except that paths `exclusions` match are never
    /// kept, offered to extractors or recorded. Exclusions change the
    /// [`Wanted::fingerprint`] (none leave it as it was).
    #[must_use]
    pub fn with_exclusions(mut self, exclusions: Exclusions) -> Self {
        if exclusions.is_empty() {
            self.excluded = None;
            self.fingerprint = hex::encode(Sha256::digest(canonical(&self.rules).as_bytes()));
            return self;
        }
        let mut text = canonical(&self.rules);
        text.push_str("\nexclude=");
        text.push_str(&json_string(
            &serde_json::Value::from(exclusions.globs.iter().cloned().collect::<Vec<_>>())
                .to_string(),
        ));
        self.fingerprint = hex::encode(Sha256::digest(text.as_bytes()));
        self.excluded = Some(Box::new(exclusions));
        self
    }

    /// Whether normalised `path` was excluded ([`Wanted::with_exclusions`]).
    pub fn excluded(&self, path: &str) -> bool {
        self.excluded.as_ref().is_some_and(|e| e.matches(path))
    }

    /// The same rules, offering the files they do not keep (and those they
    /// do) to `extractors`.
    #[must_use]
    pub fn with_extractors(mut self, extractors: Extractors) -> Self {
        self.extractors = extractors;
        self
    }

    /// The extractors, in registration order.
    pub fn extractors(&self) -> &Extractors {
        &self.extractors
    }

    /// Whether the file at normalised `path` is kept. Paths with an empty
    /// segment (a leading, trailing or doubled `/`) or an empty path never
    /// are.
    pub fn matches(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Some(ms) = self.by_name.get(name) {
            if ms.iter().any(|m| m.matches(path)) {
                return true;
            }
        }
        self.other.iter().any(|m| m.matches(path))
    }

    /// The rules, sorted.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// The canonical serialisation the fingerprint hashes: one JSON object
    /// with the [`FORMAT`] and the sorted, deduplicated rules, each with its
    /// sorted exceptions.
    pub fn canonical(&self) -> String {
        canonical(&self.rules)
    }

    /// Lowercase hex SHA-256 of [`Wanted::canonical`]: the same on every
    /// run and machine for the same rules, different when any glob differs.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

fn canonical(rules: &BTreeSet<Rule>) -> String {
    let mut out = format!("{{\"format\":{},\"rules\":[", json_string(FORMAT));
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"glob\":{},\"unless\":[", json_string(&rule.glob));
        for (j, u) in rule.unless.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(&json_string(u));
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    out
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// A compiled [`Rule`].
#[derive(Debug, Clone)]
struct Matcher {
    glob: Glob,
    unless: Vec<Glob>,
}

impl Matcher {
    fn compile(rule: &Rule) -> Self {
        Matcher {
            glob: Glob::parse(&rule.glob),
            unless: rule.unless.iter().map(|u| Glob::parse(u)).collect(),
        }
    }

    /// The plain name the last segment must be, if it is one.
    fn last_name(&self) -> Option<&str> {
        match self.glob.segments.last() {
            Some(Segment::Exact(name)) => Some(name),
            _ => None,
        }
    }

    fn matches(&self, path: &str) -> bool {
        self.glob.matches(path) && !self.unless.iter().any(|u| u.matches(path))
    }
}

/// A parsed glob: its segments, matched from the last one backwards, since
/// the file name turns most paths away.
#[derive(Debug, Clone)]
struct Glob {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    /// `**`.
    AnyDepth,
    /// A plain name.
    Exact(String),
    /// `*`.
    Any,
    /// `PREFIX*`.
    Prefix(String),
    /// `*SUFFIX`.
    Suffix(String),
    /// Anything else.
    Pattern(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(String),
    /// `?`
    One,
    /// `[…]` / `[!…]`
    Class {
        negated: bool,
        chars: Vec<char>,
    },
    /// `*`
    Star,
}

impl Token {
    /// Whether `c` can be the character this token starts (or ends) with;
    /// `None` when the token does not fix it.
    fn admits(&self, c: char, at_end: bool) -> Option<bool> {
        match self {
            Token::Literal(l) => Some(if at_end {
                l.ends_with(c)
            } else {
                l.starts_with(c)
            }),
            Token::One => Some(true),
            Token::Class { negated, chars } => Some(chars.contains(&c) != *negated),
            Token::Star => None,
        }
    }
}

impl Glob {
    fn parse(glob: &str) -> Self {
        Glob {
            segments: glob.split('/').map(Segment::parse).collect(),
        }
    }

    /// Two-pointer match over segments, from the right, backtracking only to
    /// the most recent `**`: polynomial in the path's length for any glob.
    fn matches(&self, path: &str) -> bool {
        let mut pattern = self.segments.iter().rev().peekable();
        let mut rest = path.rsplit('/');
        // Where to resume when a later segment fails: the pattern after the
        // last `**`, and the path segments that `**` has not swallowed yet.
        let mut backtrack = None;
        loop {
            if let Some(Segment::AnyDepth) = pattern.peek() {
                pattern.next();
                backtrack = Some((pattern.clone(), rest.clone()));
                continue;
            }
            let mut ahead = rest.clone();
            match (pattern.peek(), ahead.next()) {
                (None, None) => return true,
                (Some(p), Some(s)) if !s.is_empty() && p.matches(s) => {
                    pattern.next();
                    rest = ahead;
                    continue;
                }
                _ => {}
            }
            let Some((p, mut swallowed)) = backtrack.take() else {
                return false;
            };
            match swallowed.next() {
                Some(s) if !s.is_empty() => {}
                _ => return false,
            }
            pattern = p.clone();
            rest = swallowed.clone();
            backtrack = Some((p, swallowed));
        }
    }
}

impl Segment {
    fn parse(segment: &str) -> Self {
        if segment == "**" {
            return Segment::AnyDepth;
        }
        let tokens = tokenize(segment);
        match tokens.as_slice() {
            [] => Segment::Exact(String::new()),
            [Token::Literal(l)] => Segment::Exact(l.clone()),
            [Token::Star] => Segment::Any,
            [Token::Literal(l), Token::Star] => Segment::Prefix(l.clone()),
            [Token::Star, Token::Literal(l)] => Segment::Suffix(l.clone()),
            _ => Segment::Pattern(tokens),
        }
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            Segment::AnyDepth | Segment::Any => true,
            Segment::Exact(e) => s == e,
            Segment::Prefix(p) => s.starts_with(p.as_str()),
            Segment::Suffix(x) => s.ends_with(x.as_str()),
            Segment::Pattern(tokens) => {
                // Cheap rejections on the first and last character before
                // the general match.
                let fits = |token: Option<&Token>, c: Option<char>, at_end| match (token, c) {
                    (Some(t), Some(c)) => t.admits(c, at_end).unwrap_or(true),
                    (Some(Token::Star) | None, None) => true,
                    (Some(_), None) | (None, Some(_)) => false,
                };
                fits(tokens.first(), s.chars().next(), false)
                    && fits(tokens.last(), s.chars().next_back(), true)
                    && match_tokens(tokens, s)
            }
        }
    }
}

fn tokenize(segment: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut chars = segment.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let token = match c {
            '*' => {
                // `**` inside a segment is just `*`.
                if tokens.last() == Some(&Token::Star) && literal.is_empty() {
                    continue;
                }
                Token::Star
            }
            '?' => Token::One,
            '[' => match parse_class(segment.get(i + 1..).unwrap_or_default()) {
                Some((negated, set, len)) => {
                    for _ in 0..len {
                        chars.next();
                    }
                    Token::Class {
                        negated,
                        chars: set,
                    }
                }
                None => {
                    literal.push(c);
                    continue;
                }
            },
            _ => {
                literal.push(c);
                continue;
            }
        };
        if !literal.is_empty() {
            tokens.push(Token::Literal(std::mem::take(&mut literal)));
        }
        tokens.push(token);
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal));
    }
    tokens
}

/// Parses what follows a `[`: (negated, characters, characters consumed
/// including the closing `]`), or `None` when there is no closing `]` or
/// the class is empty.
fn parse_class(rest: &str) -> Option<(bool, Vec<char>, usize)> {
    let (negated, body) = match rest.strip_prefix('!') {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let end = body.find(']')?;
    let set: Vec<char> = body.get(..end)?.chars().collect();
    if set.is_empty() {
        return None;
    }
    Some((negated, set.clone(), usize::from(negated) + set.len() + 1))
}

/// Matches one segment against tokens: two pointers, backtracking only to
/// the last `*` (at most length × tokens steps).
fn match_tokens(tokens: &[Token], s: &str) -> bool {
    let (mut t, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let rest = s.get(i..).unwrap_or_default();
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t + 1, i));
                t += 1;
                continue;
            }
            Some(Token::Literal(l)) if rest.starts_with(l.as_str()) => {
                i += l.len();
                t += 1;
                continue;
            }
            Some(Token::One) => {
                if let Some(c) = rest.chars().next() {
                    i += c.len_utf8();
                    t += 1;
                    continue;
                }
            }
            Some(Token::Class { negated, chars }) => {
                if let Some(c) = rest
                    .chars()
                    .next()
                    .filter(|c| chars.contains(c) != *negated)
                {
                    i += c.len_utf8();
                    t += 1;
                    continue;
                }
            }
            Some(Token::Literal(_)) => {}
            None if rest.is_empty() => return true,
            None => {}
        }
        let Some((after, from)) = star else {
            return false;
        };
        let Some(c) = s.get(from..).and_then(|r| r.chars().next()) else {
            return false;
        };
        let from = from + c.len_utf8();
        star = Some((after, from));
        t = after;
        i = from;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(globs: &[&str]) -> Wanted {
        Wanted::new(globs.iter().map(|g| Rule::new(*g)))
    }

    #[test]
    fn double_star_matches_zero_or_more_segments() {
        let w = wanted(&["**/lib/apk/db/installed"]);
        assert!(w.matches("lib/apk/db/installed"));
        assert!(w.matches("a/b/lib/apk/db/installed"));
        assert!(!w.matches("alib/apk/db/installed"));
        assert!(!w.matches("lib/apk/db/installed/x"));
        let w = wanted(&["**/x.dist-info/licenses/**/*"]);
        assert!(w.matches("x.dist-info/licenses/LICENSE"));
        assert!(w.matches("a/x.dist-info/licenses/b/c/COPYING"));
        assert!(!w.matches("x.dist-info/licenses"));
        assert!(!w.matches("x.dist-info/other/licenses"));
    }

    #[test]
    fn segment_wildcards_and_classes() {
        let w = wanted(&["a/*.md5sums", "b/[!.@]*", "c/@?*", "d/*[dD]-[iI]*o"]);
        assert!(w.matches("a/x.md5sums"));
        assert!(w.matches("a/.md5sums"));
        assert!(!w.matches("a/b/x.md5sums"));
        assert!(w.matches("b/lodash"));
        assert!(!w.matches("b/.bin"));
        assert!(!w.matches("b/@scope"));
        assert!(w.matches("c/@s"));
        assert!(!w.matches("c/@"));
        assert!(w.matches("d/x.D-Info"));
        assert!(w.matches("d/d-io"));
        assert!(!w.matches("d/x.D-Inf"));
        // `?` and classes take one character, not one byte.
        assert!(wanted(&["?"]).matches("é"));
        assert!(wanted(&["[é]x"]).matches("éx"));
    }

    #[test]
    fn unterminated_class_is_literal() {
        let w = wanted(&["a[b", "[]"]);
        assert!(w.matches("a[b"));
        assert!(w.matches("[]"));
        assert!(!w.matches("ab"));
    }

    #[test]
    fn empty_segments_never_match() {
        let w = wanted(&["**/*", "**"]);
        assert!(w.matches("a/b"));
        for p in ["", "/", "/a", "a/", "a//b"] {
            assert!(!w.matches(p), "{p:?}");
        }
    }

    #[test]
    fn exceptions_remove_paths_from_their_rule_only() {
        let w = Wanted::new([
            Rule::new("**/package.json").unless("**/node_modules/**/*"),
            Rule::new("**/node_modules/[!.@]*/package.json"),
        ]);
        assert!(w.matches("app/package.json"));
        assert!(w.matches("app/node_modules/a/package.json"));
        assert!(!w.matches("app/node_modules/a/lib/package.json"));
    }

    #[test]
    fn hostile_paths_match_in_polynomial_time() {
        // Many segments and long names against globs with several stars:
        // a backtracking matcher without the two-pointer bound would not
        // finish.
        let long = format!("{}c", "a".repeat(100_000));
        let deep = "a.dist-info/".repeat(20_000) + "licensez/aac";
        let w = wanted(&["**/*a*b*a*c", "**/*dist-info/licenses/**/*a*a*c"]);
        assert!(!w.matches(&long));
        assert!(!w.matches(&deep));
    }

    #[test]
    fn fingerprint_is_the_hash_of_the_canonical_form() {
        let a = Wanted::new([
            Rule::new("etc/os-release"),
            Rule::new("**/package.json")
                .unless("**/node_modules/**/*")
                .unless("**/.git/**/*"),
        ]);
        // Declaration order does not matter, nor do duplicates.
        let b = Wanted::new([
            Rule::new("**/package.json")
                .unless("**/.git/**/*")
                .unless("**/node_modules/**/*"),
            Rule::new("etc/os-release"),
            Rule::new("etc/os-release"),
        ]);
        let canonical = concat!(
            r#"{"format":"sbomctl-wanted/1","rules":["#,
            r#"{"glob":"**/package.json","unless":["**/.git/**/*","**/node_modules/**/*"]},"#,
            r#"{"glob":"etc/os-release","unless":[]}]}"#
        );
        assert_eq!(a.canonical(), canonical);
        assert_eq!(b.canonical(), canonical);
        assert_eq!(
            a.fingerprint(),
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        assert_eq!(
            a.fingerprint(),
            "108ee64f3e27c73c0fec88a3791ad2f97cd675d6bc6b73d58ca7882cabca37f0"
        );
        assert_eq!(a, b);
        assert_eq!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn fingerprint_changes_with_any_glob() {
        let base = || {
            vec![
                Rule::new("etc/os-release"),
                Rule::new("**/lib/apk/db/installed"),
            ]
        };
        let fp = Wanted::new(base()).fingerprint().to_owned();
        let mut changed = base();
        changed[1] = Rule::new("**/lib/apk/db/installed*");
        assert_ne!(Wanted::new(changed).fingerprint(), fp);
        let mut excepted = base();
        excepted[1] = Rule::new("**/lib/apk/db/installed").unless("x/**");
        assert_ne!(Wanted::new(excepted).fingerprint(), fp);
        let mut more = base();
        more.push(Rule::new("etc/alpine-release"));
        assert_ne!(Wanted::new(more).fingerprint(), fp);
        // A glob containing what looks like a separator cannot collide
        // with two globs: the canonical form is JSON.
        let joined = Wanted::new([Rule::new("a\",\"b")]);
        let split = Wanted::new([Rule::new("a"), Rule::new("b")]);
        assert_ne!(joined.fingerprint(), split.fingerprint());
    }
}
