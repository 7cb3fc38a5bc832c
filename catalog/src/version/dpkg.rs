//! dpkg's version order (deb-version(7)): epoch, then upstream version and
//! revision by `verrevcmp`, where `~` sorts before everything (even the
//! end), letters before other characters, and digit runs as numbers.

use std::cmp::Ordering;

use super::cmp_digits;

/// Orders two Debian versions.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = split(a);
    let (eb, ub, rb) = split(b);
    cmp_digits(ea, eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

/// `(epoch, upstream, revision)`: the epoch before the first `:` (when it
/// is all digits), the revision after the last `-`.
fn split(v: &str) -> (&str, &str, &str) {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if e.bytes().all(|c| c.is_ascii_digit()) => (e, rest),
        _ => ("0", v),
    };
    match rest.rsplit_once('-') {
        Some((upstream, revision)) => (epoch, upstream, revision),
        None => (epoch, rest, ""),
    }
}

/// The weight of a non-digit character (0 for the end of the string).
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // The non-digit prefixes, character by character.
        while a.get(i).is_some_and(|c| !c.is_ascii_digit())
            || b.get(j).is_some_and(|c| !c.is_ascii_digit())
        {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        // The digit runs, as numbers.
        let start_a = i.min(a.len());
        while a.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let start_b = j.min(b.len());
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let da = std::str::from_utf8(&a[start_a..i.min(a.len())]).unwrap_or_default();
        let db = std::str::from_utf8(&b[start_b..j.min(b.len())]).unwrap_or_default();
        let by_number = cmp_digits(da, db);
        if by_number != Ordering::Equal {
            return by_number;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_policy_examples() {
        let less = |a, b| assert_eq!(compare(a, b), Ordering::Less, "{a} < {b}");
        less("1.0~rc1", "1.0");
        less("1.0", "1.0+b1");
        less("1.0-1", "1.0-1+deb12u1");
        less("2.30-1", "1:1.0");
        less("1.0~~", "1.0~~a");
        less("1.0~", "1.0");
        less("1.2", "1.10");
        less("1.0a", "1.0+");
        assert_eq!(compare("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(compare("1.01", "1.1"), Ordering::Equal);
    }
}
