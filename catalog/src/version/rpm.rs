//! rpm's version order: `rpmvercmp` over epoch, version and release, as
//! rpm 4.18 compares `[epoch:]version[-release]` (a missing epoch is 0, a
//! missing release is empty).

use std::cmp::Ordering;

use super::cmp_digits;

/// Orders two `[epoch:]version[-release]` strings.
pub(super) fn compare_evr(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = split(a);
    let (eb, vb, rb) = split(b);
    vercmp(ea, eb)
        .then_with(|| vercmp(va, vb))
        .then_with(|| vercmp(ra, rb))
}

fn split(v: &str) -> (&str, &str, &str) {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => (e, rest),
        _ => ("0", v),
    };
    match rest.rsplit_once('-') {
        Some((version, release)) => (epoch, version, release),
        None => (epoch, rest, ""),
    }
}

/// `rpmvercmp`: alphanumeric segments compared in turn (digits as numbers,
/// a number newer than letters), other characters separating them, `~`
/// before everything and `^` after the end but before anything else.
pub(super) fn vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let separator =
        |c: Option<&u8>| c.is_some_and(|&c| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^');
    loop {
        while separator(a.get(i)) {
            i += 1;
        }
        while separator(b.get(j)) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            match (ca, cb) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(x), _) if x != b'^' => return Ordering::Greater,
                (_, Some(y)) if y != b'^' => return Ordering::Less,
                _ => {}
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let in_segment = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (start_a, start_b) = (i, j);
        while a.get(i).is_some_and(in_segment) {
            i += 1;
        }
        while b.get(j).is_some_and(in_segment) {
            j += 1;
        }
        if j == start_b {
            // Segments of different kinds: the number is newer.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let sa = std::str::from_utf8(&a[start_a..i]).unwrap_or_default();
        let sb = std::str::from_utf8(&b[start_b..j]).unwrap_or_default();
        let order = if numeric {
            cmp_digits(sa, sb)
        } else {
            sa.cmp(sb)
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_examples() {
        let less = |a, b| assert_eq!(compare_evr(a, b), Ordering::Less, "{a} < {b}");
        less("1.0~rc1", "1.0");
        less("1.0", "1.0^git1");
        less("1.0^git1", "1.0.1");
        less("1.0a", "1.0.1");
        less("1.0", "1.0-1");
        less("2.0-1", "1:1.0-1");
        less("1.a", "1.1");
        assert_eq!(compare_evr("1.01", "1.1"), Ordering::Equal);
        assert_eq!(compare_evr("0:1.0-1", "1.0-1"), Ordering::Equal);
        // Separators only separate: 1.0 and 1_0 are the same version.
        assert_eq!(vercmp("1.0", "1_0"), Ordering::Equal);
    }
}
