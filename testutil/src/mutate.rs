//! Hostile variants of real inputs for the parsers' proptest no-panic
//! tests: a seed (a real fixture) with a few edits that break structure the
//! way damaged or crafted files do: flipped and inserted bytes, syntax
//! tokens in odd places, cut records, duplicated spans, truncation.

use proptest::prelude::*;

/// Tokens that matter to the formats parsed here (line and field
/// separators, JSON and YAML syntax, numbers at type limits, escapes).
const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\n\n",
    b"\r\n",
    b":",
    b": ",
    b" ",
    b"\t",
    b"\"",
    b"'",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"\0",
    b"\xff\xfe",
    b"\xc3",
    b"-",
    b"=",
    b"@",
    b"/",
    b"../",
    b"#",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"1e999",
    b"null",
    b"{\"a\":[[[[",
    b"- - - -",
    b"&a *a",
    b"~",
];

/// A position in the input, taken modulo its length (plus one, to reach
/// the end).
pub type Index = usize;

/// One edit of a byte string.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Overwrite one byte.
    Set(Index, u8),
    /// Insert a token.
    Insert(Index, usize),
    /// Delete a span of up to 64 bytes.
    Delete(Index, u8),
    /// Append a copy of a span of up to 512 bytes (repeated records).
    Duplicate(Index, u16),
    /// Cut the input.
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        3 => (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Edit::Insert(i, t)),
        2 => (any::<Index>(), 1..64u8).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<Index>(), 1..512u16).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

/// Applies `edits` to `data`.
pub fn apply(mut data: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = data.len();
        let at = |i: &Index| i % (len + 1);
        match e {
            Edit::Set(i, b) => {
                if len > 0 {
                    data[i % len] = *b;
                }
            }
            Edit::Insert(i, t) => {
                let i = at(i);
                data.splice(i..i, TOKENS[*t].iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(i);
                let end = (i + usize::from(*n)).min(len);
                data.drain(i..end);
            }
            Edit::Duplicate(i, n) => {
                let i = at(i);
                let end = (i + usize::from(*n)).min(len);
                let span = data[i..end].to_vec();
                data.extend_from_slice(&span);
            }
            Edit::Truncate(i) => data.truncate(at(i)),
        }
    }
    data
}

/// Up to six edits (none in about one case in seven).
pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(edit(), 0..6)
}

/// A seed (one of `seeds`) with up to six edits.
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    assert!(!seeds.is_empty(), "no seeds");
    (proptest::sample::select(seeds), edits()).prop_map(|(seed, edits)| apply(seed, &edits))
}

/// Every file under `dir` (recursively) whose path relative to `dir`
/// satisfies `keep`, sorted by path: the seeds of a test.
pub fn files_under(dir: &std::path::Path, keep: impl Fn(&str) -> bool) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                if keep(&rel) {
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_stay_in_bounds_on_empty_and_short_inputs() {
        let idx = |n: usize| n;
        let edits = [
            Edit::Set(idx(5), b'x'),
            Edit::Delete(idx(3), 10),
            Edit::Duplicate(idx(1), 100),
            Edit::Insert(idx(9), 0),
            Edit::Truncate(idx(2)),
        ];
        assert_eq!(apply(Vec::new(), &edits[..2]), Vec::<u8>::new());
        let out = apply(b"abc".to_vec(), &edits);
        assert!(out.len() <= 4, "{out:?}");
    }
}
