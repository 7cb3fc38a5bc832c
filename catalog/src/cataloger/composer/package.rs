//! One package entry as `installed.json` and `composer.lock` both write it
//! (Composer's "complete package" schema:
//! <https://getcomposer.org/doc/04-schema.md>), read with serde into typed
//! fields: unknown fields are skipped without being kept, so memory
//! follows the strings kept, and serde_json's recursion limit bounds
//! nesting.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

/// A package entry; every field may be missing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawPackage {
    pub name: Option<String>,
    pub version: Option<String>,
    pub source: Option<Location>,
    pub dist: Option<Dist>,
    pub require: BTreeMap<String, IgnoredAny>,
    pub provide: BTreeMap<String, IgnoredAny>,
    pub replace: BTreeMap<String, IgnoredAny>,
    pub license: Option<OneOrMany>,
    pub authors: Vec<Author>,
    pub description: Option<String>,
    pub homepage: Option<String>,
    #[serde(rename = "type")]
    pub package_type: Option<String>,
}

/// `source`: where the code came from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct Location {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub url: Option<String>,
    pub reference: Option<String>,
}

/// `dist`: the archive installed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct Dist {
    pub url: Option<String>,
    /// SHA-1 of the archive, often empty.
    pub shasum: Option<String>,
}

/// An `authors` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct Author {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// `license`: a string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl RawPackage {
    /// The declared licenses, in order.
    pub fn licenses(&self) -> Vec<String> {
        match &self.license {
            Some(OneOrMany::One(s)) => vec![s.clone()],
            Some(OneOrMany::Many(v)) => v.clone(),
            None => Vec::new(),
        }
    }

    /// The `require` names that are packages: platform requirements (PHP,
    /// its extensions and libraries, Composer's APIs) are not.
    pub fn dependencies(&self) -> Vec<String> {
        self.require
            .keys()
            .filter(|n| !is_platform(n))
            .cloned()
            .collect()
    }

    /// Names the package also stands for (`provide`, `replace`), sorted.
    pub fn provides(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .provide
            .keys()
            .chain(self.replace.keys())
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Platform package names (<https://getcomposer.org/doc/01-basic-usage.md#platform-packages>).
fn is_platform(name: &str) -> bool {
    matches!(
        name,
        "php"
            | "php-64bit"
            | "php-ipv6"
            | "php-zts"
            | "php-debug"
            | "hhvm"
            | "composer"
            | "composer-plugin-api"
            | "composer-runtime-api"
    ) || name.starts_with("ext-")
        || name.starts_with("lib-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_requirements_are_not_dependencies() {
        let p: RawPackage = serde_json::from_str(
            r#"{"require": {"php": ">=8", "ext-json": "*", "lib-pcre": "*", "composer-plugin-api": "^2", "psr/log": "^1"}, "replace": {"a/b": "*"}, "provide": {"psr/log-implementation": "1.0", "a/b": "*"}}"#,
        )
        .unwrap();
        assert_eq!(p.dependencies(), ["psr/log"]);
        assert_eq!(p.provides(), ["a/b", "psr/log-implementation"]);
    }

    #[test]
    fn license_is_a_string_or_a_list() {
        let one: RawPackage = serde_json::from_str(r#"{"license": "MIT"}"#).unwrap();
        assert_eq!(one.licenses(), ["MIT"]);
        let many: RawPackage =
            serde_json::from_str(r#"{"license": ["MIT", "GPL-2.0-only"]}"#).unwrap();
        assert_eq!(many.licenses(), ["MIT", "GPL-2.0-only"]);
    }
}
