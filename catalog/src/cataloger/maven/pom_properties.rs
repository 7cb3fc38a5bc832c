//! `META-INF/maven/GROUP/ARTIFACT/pom.properties`, written by Maven's jar
//! plugin: Java properties (`key=value`, `key: value`, `#` and `!`
//! comments, `\` line continuations and escapes).
//! Spec: <https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/util/Properties.html#load(java.io.Reader)>.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The identity a `pom.properties` records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PomProperties {
    /// Path of the file inside its archive.
    pub path: String,
    /// `groupId`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group_id: String,
    /// `artifactId`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_id: String,
    /// `version`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// Most properties read from one file.
const MAX_PROPERTIES: usize = 1000;

/// Parses the properties text.
pub fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut logical = String::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_start_matches([' ', '\t', '\x0c']);
        if logical.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        // An odd number of trailing backslashes continues the line.
        let trailing = line.bytes().rev().take_while(|b| *b == b'\\').count();
        if trailing % 2 == 1 && lines.peek().is_some() {
            logical.push_str(line.get(..line.len() - 1).unwrap_or(""));
            continue;
        }
        logical.push_str(line);
        if !logical.is_empty() && out.len() < MAX_PROPERTIES {
            let (k, v) = split_pair(&logical);
            out.insert(unescape(k), unescape(v));
        }
        logical.clear();
    }
    out
}

/// Splits at the first unescaped `=`, `:` or whitespace.
fn split_pair(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' | ' ' | '\t' | '\x0c' => {
                let key = line.get(..i).unwrap_or("");
                let rest = line.get(i..).unwrap_or("");
                let rest = rest.trim_start_matches([' ', '\t', '\x0c']);
                let rest = rest
                    .strip_prefix(['=', ':'])
                    .unwrap_or(rest)
                    .trim_start_matches([' ', '\t', '\x0c']);
                return (key, rest);
            }
            _ => {}
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Parses a `pom.properties` found at `path`.
pub fn parse(path: &str, text: &str) -> PomProperties {
    let props = parse_properties(text);
    let get = |k: &str| {
        props
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    PomProperties {
        path: path.to_owned(),
        group_id: get("groupId"),
        artifact_id: get("artifactId"),
        version: get("version"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maven_jar_plugin_output() {
        let p = parse(
            "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
            "#Created by Apache Maven 3.8.6\r\nartifactId=commons-lang3\r\ngroupId=org.apache.commons\r\nversion=3.12.0\r\n",
        );
        assert_eq!(
            (
                p.group_id.as_str(),
                p.artifact_id.as_str(),
                p.version.as_str()
            ),
            ("org.apache.commons", "commons-lang3", "3.12.0")
        );
    }

    #[test]
    fn separators_continuations_and_escapes() {
        let p = parse_properties("a : 1\nb\\\n  c=2\nd=\\u0041\\=\n! comment\n");
        assert_eq!(p.get("a").map(String::as_str), Some("1"));
        assert_eq!(p.get("bc").map(String::as_str), Some("2"));
        assert_eq!(p.get("d").map(String::as_str), Some("A="));
        assert_eq!(p.len(), 3);
    }
}
