//! Maven's version order (`org.apache.maven.artifact.versioning.
//! ComparableVersion`, as Maven 3.8 ships it): the version, lowercased,
//! becomes a list of numbers and qualifiers, with a sub-list at each `-` and
//! at each switch between letters and digits; trailing "null" items (0, the
//! empty or release qualifier, empty lists) are dropped; known qualifiers
//! sort `alpha < beta < milestone < rc < snapshot < (release) < sp`, others
//! after them as text.

use std::cmp::Ordering;

use super::cmp_digits;

/// Longer versions are ordered by [`super::Scheme::Generic`]: the lists
/// nest once per separator, and comparing them recurses.
const MAX_LEN: usize = 512;

#[derive(Debug)]
enum Item {
    /// Digits without leading zeros.
    Number(String),
    /// A qualifier after aliases (`ga`, `final`, `release` → ``, `cr` → `rc`,
    /// `a1` → `alpha`...).
    Text(String),
    /// A sub-list: an index into [`Parsed::lists`].
    List(usize),
}

struct Parsed {
    lists: Vec<Vec<Item>>,
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// The qualifier's sort key: its index among the known ones, else
/// `7-NAME`, compared as text (as Maven does).
fn qualifier_key(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn text_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match (followed_by_digit, value) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, v) => v,
    };
    Item::Text(value.to_owned())
}

fn parse_item(digits: bool, buf: &str) -> Item {
    if digits {
        Item::Number(buf.trim_start_matches('0').to_owned())
    } else {
        text_item(buf, false)
    }
}

impl Parsed {
    fn new(version: &str) -> Parsed {
        let version = version.to_lowercase();
        let mut p = Parsed {
            lists: vec![Vec::new()],
        };
        let mut list = 0;
        let mut digits = false;
        let mut start = 0;
        let bytes = version.as_bytes();
        for (i, &c) in bytes.iter().enumerate() {
            match c {
                b'.' | b'-' => {
                    let item = if i == start {
                        Item::Number(String::new())
                    } else {
                        parse_item(digits, &version[start..i])
                    };
                    p.lists[list].push(item);
                    start = i + 1;
                    if c == b'-' {
                        list = p.sub_list(list);
                    }
                }
                c if c.is_ascii_digit() => {
                    if !digits && i > start {
                        // 1.0.0.X1 < 1.0.0-X2: `.X` reads as `-X`.
                        if !p.lists[list].is_empty() {
                            list = p.sub_list(list);
                        }
                        p.lists[list].push(text_item(&version[start..i], true));
                        start = i;
                        list = p.sub_list(list);
                    }
                    digits = true;
                }
                _ => {
                    if digits && i > start {
                        p.lists[list].push(parse_item(true, &version[start..i]));
                        start = i;
                        list = p.sub_list(list);
                    }
                    digits = false;
                }
            }
        }
        if version.len() > start {
            if !digits && !p.lists[list].is_empty() {
                list = p.sub_list(list);
            }
            p.lists[list].push(parse_item(digits, &version[start..]));
        }
        // Innermost lists first (they were made last), so an emptied
        // sub-list counts as null in its parent.
        for index in (0..p.lists.len()).rev() {
            // From the end: null items go; a non-null sub-list is passed
            // over (a null item before it goes too); anything else stops.
            let mut i = p.lists[index].len();
            while i > 0 {
                i -= 1;
                let item = &p.lists[index][i];
                if p.is_null(item) {
                    p.lists[index].remove(i);
                } else if !matches!(item, Item::List(_)) {
                    break;
                }
            }
        }
        p
    }

    /// Appends a new list to `parent` and returns it.
    fn sub_list(&mut self, parent: usize) -> usize {
        self.lists.push(Vec::new());
        let index = self.lists.len() - 1;
        self.lists[parent].push(Item::List(index));
        index
    }

    fn is_null(&self, item: &Item) -> bool {
        match item {
            Item::Number(n) => n.is_empty(),
            Item::Text(t) => t.is_empty(),
            Item::List(l) => self.lists[*l].is_empty(),
        }
    }
}

/// `a.compareTo(b)` where either side may be missing (Maven's `null`).
fn cmp_item(pa: &Parsed, a: Option<&Item>, pb: &Parsed, b: Option<&Item>) -> Ordering {
    use Item::*;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => cmp_item(pb, b, pa, a).reverse(),
        (Some(Number(n)), None) => {
            if n.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Some(Text(t)), None) => qualifier_key(t).cmp(&qualifier_key("")),
        // Every item against null, not just the first (MNG-6964).
        (Some(List(l)), None) => pa.lists[*l]
            .iter()
            .map(|item| cmp_item(pa, Some(item), pb, None))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal),
        (Some(Number(x)), Some(Number(y))) => cmp_digits(x, y),
        (Some(Number(_)), Some(Text(_) | List(_))) => Ordering::Greater,
        (Some(Text(_)), Some(Number(_) | List(_))) => Ordering::Less,
        (Some(Text(x)), Some(Text(y))) => qualifier_key(x).cmp(&qualifier_key(y)),
        (Some(List(_)), Some(Number(_))) => Ordering::Less,
        (Some(List(_)), Some(Text(_))) => Ordering::Greater,
        (Some(List(x)), Some(List(y))) => cmp_lists(pa, *x, pb, *y),
    }
}

fn cmp_lists(pa: &Parsed, x: usize, pb: &Parsed, y: usize) -> Ordering {
    let (left, right) = (&pa.lists[x], &pb.lists[y]);
    for i in 0..left.len().max(right.len()) {
        let o = cmp_item(pa, left.get(i), pb, right.get(i));
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// Orders two Maven versions.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    if a.len() > MAX_LEN || b.len() > MAX_LEN {
        return super::rpm::vercmp(a, b);
    }
    let (pa, pb) = (Parsed::new(a.trim()), Parsed::new(b.trim()));
    cmp_lists(&pa, 0, &pb, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maven_order() {
        let order = [
            "1-alpha",
            "1-alpha2",
            "1-beta",
            "1-milestone-1",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-1",
            "1.1",
            "1.10",
        ];
        super::super::assert_ascending(compare, &order);
        for (a, b) in [
            ("1.0", "1"),
            ("1-ga", "1"),
            ("1.x", "1-x"),
            ("1-cr1", "1-rc-1"),
            ("1a1", "1-alpha-1"),
        ] {
            assert_eq!(compare(a, b), Ordering::Equal, "{a} == {b}");
        }
        let deep = "1-".repeat(1000);
        assert_eq!(compare(&deep, &deep), Ordering::Equal);
    }
}
