//! `META-INF/MANIFEST.MF`: `Name: value` lines in sections separated by
//! blank lines, a line starting with a space continuing the previous
//! value. Spec: <https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html#jar-manifest>.

/// A parsed manifest: the main section and the named sections after it,
/// each a list of `(key, value)` in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// The main section.
    pub main: Vec<(String, String)>,
    /// The per-entry sections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Vec<(String, String)>>,
}

impl Manifest {
    /// The first value of `key` (case-insensitive, as the spec has it) in
    /// the main section, non-empty.
    pub fn main_value(&self, key: &str) -> Option<&str> {
        find(&self.main, key)
    }

    /// The first value of `key` in the main section, else in any section.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.main_value(key)
            .or_else(|| self.sections.iter().find_map(|s| find(s, key)))
    }
}

fn find<'a>(section: &'a [(String, String)], key: &str) -> Option<&'a str> {
    section
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// Most `(key, value)` pairs kept; the input is capped by the walker, so
/// this only bounds work on pathological line structure.
const MAX_PAIRS: usize = 10_000;

/// Parses a manifest. Lines without a colon are ignored, as are
/// continuations with no key before them.
pub fn parse(text: &str) -> Manifest {
    let mut sections: Vec<Vec<(String, String)>> = Vec::new();
    let mut in_section = false;
    let mut pairs = 0usize;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            in_section = false;
            continue;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if in_section {
                if let Some((_, v)) = sections.last_mut().and_then(|s| s.last_mut()) {
                    v.push_str(cont);
                }
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || pairs >= MAX_PAIRS {
            continue;
        }
        if !in_section {
            sections.push(Vec::new());
            in_section = true;
        }
        if let Some(s) = sections.last_mut() {
            s.push((key.to_owned(), value.trim_start().to_owned()));
            pairs += 1;
        }
    }
    for s in &mut sections {
        for (_, v) in s.iter_mut() {
            let t = v.trim_end();
            if t.len() != v.len() {
                *v = t.to_owned();
            }
        }
    }
    let mut it = sections.into_iter();
    Manifest {
        main: it.next().unwrap_or_default(),
        sections: it.collect(),
    }
}

/// True when the kept bytes hold the whole main section (a blank line
/// ends it, or the file was read whole).
pub fn main_section_complete(text: &str, truncated: bool) -> bool {
    !truncated || text.contains("\n\n") || text.contains("\r\n\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_join_and_sections_split() {
        let m = parse(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.apache.commons.\r\n lang3\r\nImplementation-Version: 3.12.0\r\n\r\nName: org/x/\r\nImplementation-Vendor: X\r\n",
        );
        assert_eq!(
            m.main_value("bundle-symbolicname"),
            Some("org.apache.commons.lang3")
        );
        assert_eq!(m.main_value("Implementation-Vendor"), None);
        assert_eq!(m.value("Implementation-Vendor"), Some("X"));
        assert_eq!(m.sections.len(), 1);
    }

    #[test]
    fn continuation_without_key_and_lines_without_colon_are_ignored() {
        let m = parse(" orphan\nnonsense\nA: b\n");
        assert_eq!(m.main, vec![("A".to_owned(), "b".to_owned())]);
    }
}
