//! RubyGems' version order (`Gem::Version#<=>`): the version split into
//! runs of digits (numbers) and of letters (text); the numeric part and
//! the text part each lose trailing zeros; segments compared in turn,
//! missing ones as 0, a text segment before a number (a pre-release).
//! `-` reads as `.pre.`, as `Gem::Version.new` does.

use std::cmp::Ordering;

use super::cmp_digits;

#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Number(&'a str),
    Text(&'a str),
}

const ZERO: Segment<'static> = Segment::Number("0");

impl Segment<'_> {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(n) if n.bytes().all(|c| c == b'0'))
    }
}

fn cmp_segment(a: &Segment<'_>, b: &Segment<'_>) -> Ordering {
    match (a, b) {
        (Segment::Number(x), Segment::Number(y)) => cmp_digits(x, y),
        (Segment::Text(x), Segment::Text(y)) => x.cmp(y),
        (Segment::Text(_), Segment::Number(_)) => Ordering::Less,
        (Segment::Number(_), Segment::Text(_)) => Ordering::Greater,
    }
}

/// The runs of digits and of ASCII letters, in order.
fn segments(v: &str) -> Vec<Segment<'_>> {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_digit() {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            out.push(Segment::Number(&v[start..i]));
        } else if bytes[i].is_ascii_alphabetic() {
            while bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
                i += 1;
            }
            out.push(Segment::Text(&v[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

/// `canonical_segments`: the numeric prefix and the rest (from the first
/// text segment), each without trailing zeros.
fn canonical(v: &str) -> Vec<Segment<'_>> {
    let mut all = segments(v);
    let text_at = all
        .iter()
        .position(|s| matches!(s, Segment::Text(_)))
        .unwrap_or(all.len());
    let mut text = all.split_off(text_at);
    while all.last().is_some_and(Segment::is_zero) {
        all.pop();
    }
    while text.last().is_some_and(Segment::is_zero) {
        text.pop();
    }
    all.extend(text);
    all
}

/// Orders two gem versions.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (
        a.trim().replace('-', ".pre."),
        b.trim().replace('-', ".pre."),
    );
    let (x, y) = (canonical(&a), canonical(&b));
    for i in 0..x.len().max(y.len()) {
        let o = cmp_segment(x.get(i).unwrap_or(&ZERO), y.get(i).unwrap_or(&ZERO));
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rubygems_order() {
        let order = [
            "1.0.a", "1.0.b1", "1.0.rc", "1.0", "1.0.1", "1.1.a", "1.1", "2.0-1", "2.0",
        ];
        super::super::assert_ascending(compare, &order);
        assert_eq!(compare("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.a.0", "1.0.a"), Ordering::Equal);
    }
}
