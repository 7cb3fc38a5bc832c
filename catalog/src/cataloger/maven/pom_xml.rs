//! `META-INF/maven/GROUP/ARTIFACT/pom.xml`: the project's identity, its
//! parent (whose groupId and version a project inherits when it leaves
//! them out), licenses, organization and developers, and `${…}` property
//! references resolved within this pom (no repository is consulted).
//! Spec: <https://maven.apache.org/pom.html>.
//!
//! The reader is a small XML tokenizer over the (capped) text: elements,
//! text, entities, CDATA, comments and processing instructions; attributes
//! and namespaces are ignored. It is linear in the input and bounded in
//! depth and in what it keeps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a pom.xml says about the project, properties resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PomProject {
    /// Path of the file inside its archive.
    pub path: String,
    /// `groupId`, inherited from `parent` when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group_id: String,
    /// `artifactId`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_id: String,
    /// `version`, inherited from `parent` when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The parent's `groupId:artifactId:version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// `organization/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The first `developers/developer/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer: Option<String>,
    /// `licenses/license/name` (or its `url` when it has no name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
}

/// Deepest element nesting followed; deeper elements are skipped.
const MAX_DEPTH: usize = 64;
/// Most `<properties>` kept, and most licenses.
const MAX_KEPT: usize = 1000;
/// Most `${…}` substitutions in one value (nested references).
const MAX_SUBSTITUTIONS: usize = 16;

#[derive(Default)]
struct Raw {
    fields: BTreeMap<&'static str, String>,
    properties: BTreeMap<String, String>,
    licenses: Vec<String>,
    license_name: Option<String>,
    license_url: Option<String>,
    developer: Option<String>,
}

const FIELDS: [&str; 10] = [
    "project/groupId",
    "project/artifactId",
    "project/version",
    "project/name",
    "project/description",
    "project/url",
    "project/parent/groupId",
    "project/parent/artifactId",
    "project/parent/version",
    "project/organization/name",
];

impl Raw {
    fn element(&mut self, path: &str, text: &str) {
        if let Some(f) = FIELDS.iter().find(|f| **f == path) {
            self.fields
                .entry(f)
                .or_insert_with(|| text.trim().to_owned());
            return;
        }
        match path {
            "project/licenses/license/name" => self.license_name = Some(text.trim().to_owned()),
            "project/licenses/license/url" => self.license_url = Some(text.trim().to_owned()),
            "project/licenses/license" => {
                let name = self.license_name.take().filter(|s| !s.is_empty());
                let url = self.license_url.take().filter(|s| !s.is_empty());
                if let Some(l) = name.or(url) {
                    if self.licenses.len() < MAX_KEPT {
                        self.licenses.push(l);
                    }
                }
            }
            "project/developers/developer/name" if self.developer.is_none() => {
                let t = text.trim();
                if !t.is_empty() {
                    self.developer = Some(t.to_owned());
                }
            }
            _ => {
                if let Some(key) = path.strip_prefix("project/properties/") {
                    if !key.contains('/') && self.properties.len() < MAX_KEPT {
                        self.properties
                            .insert(key.to_owned(), text.trim().to_owned());
                    }
                }
            }
        }
    }
}

/// Parses a pom.xml found at `path`.
pub fn parse(path: &str, text: &str) -> PomProject {
    let mut raw = Raw::default();
    tokenize(text, &mut |p, t| raw.element(p, t));
    let field = |k: &str| raw.fields.get(k).cloned().unwrap_or_default();
    let parent_group = field("project/parent/groupId");
    let parent_artifact = field("project/parent/artifactId");
    let parent_version = field("project/parent/version");
    let mut group_id = field("project/groupId");
    if group_id.is_empty() {
        group_id.clone_from(&parent_group);
    }
    let mut version = field("project/version");
    if version.is_empty() {
        version.clone_from(&parent_version);
    }
    let artifact_id = field("project/artifactId");
    // What `${…}` can name within this pom.
    let mut props = raw.properties.clone();
    for (k, v) in [
        ("project.groupId", &group_id),
        ("pom.groupId", &group_id),
        ("groupId", &group_id),
        ("project.artifactId", &artifact_id),
        ("pom.artifactId", &artifact_id),
        ("project.version", &version),
        ("pom.version", &version),
        ("version", &version),
        ("project.parent.groupId", &parent_group),
        ("parent.groupId", &parent_group),
        ("project.parent.version", &parent_version),
        ("parent.version", &parent_version),
    ] {
        props.entry(k.to_owned()).or_insert_with(|| v.clone());
    }
    let resolve = |s: &str| resolve(s, &props);
    let opt = |k: &str| {
        raw.fields
            .get(k)
            .map(|v| resolve(v))
            .filter(|v| !v.is_empty())
    };
    let parent = (!parent_artifact.is_empty()).then(|| {
        format!(
            "{}:{}:{}",
            resolve(&parent_group),
            resolve(&parent_artifact),
            resolve(&parent_version)
        )
    });
    PomProject {
        path: path.to_owned(),
        group_id: resolve(&group_id),
        artifact_id: resolve(&artifact_id),
        version: resolve(&version),
        name: opt("project/name"),
        description: opt("project/description").map(|d| squash_space(&d)),
        url: opt("project/url"),
        parent,
        organization: opt("project/organization/name"),
        developer: raw.developer.as_deref().map(resolve),
        licenses: raw.licenses.iter().map(|l| resolve(l)).collect(),
    }
}

fn squash_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Replaces `${name}` with this pom's properties, a bounded number of
/// times; unknown references stay as written.
fn resolve(value: &str, props: &BTreeMap<String, String>) -> String {
    let mut out = value.to_owned();
    for _ in 0..MAX_SUBSTITUTIONS {
        let Some(start) = out.find("${") else { break };
        let Some(len) = out.get(start..).and_then(|r| r.find('}')) else {
            break;
        };
        let name = out.get(start + 2..start + len).unwrap_or("");
        let Some(v) = props.get(name) else { break };
        // A value that would only grow (a self reference) stops here.
        if v.contains(&format!("${{{name}}}")) || out.len() + v.len() > 4096 {
            break;
        }
        out.replace_range(start..=start + len, &v.clone());
    }
    out
}

/// Calls `element(path, text)` at each end tag, `path` the slash-joined
/// local names from the root, `text` the element's own text.
fn tokenize(text: &str, element: &mut dyn FnMut(&str, &str)) {
    let mut stack: Vec<String> = Vec::new();
    let mut skipped_depth = 0usize;
    let mut buf = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            break;
        };
        decode_into(rest.get(..lt).unwrap_or(""), &mut buf);
        rest = rest.get(lt..).unwrap_or("");
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after
                .find("-->")
                .and_then(|e| after.get(e + 3..))
                .unwrap_or("");
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            buf.push_str(after.get(..end).unwrap_or(""));
            rest = after.get(end + 3..).unwrap_or("");
        } else if rest.starts_with("<?") {
            rest = rest
                .find("?>")
                .and_then(|e| rest.get(e + 2..))
                .unwrap_or("");
        } else if rest.starts_with("<!") {
            rest = rest.find('>').and_then(|e| rest.get(e + 1..)).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').unwrap_or(after.len());
            rest = after.get(end + 1..).unwrap_or("");
            if skipped_depth > 0 {
                skipped_depth -= 1;
            } else if !stack.is_empty() {
                let path = stack.join("/");
                element(&path, &buf);
                stack.pop();
            }
            buf.clear();
        } else {
            let after = rest.get(1..).unwrap_or("");
            let end = tag_end(after);
            let tag = after.get(..end).unwrap_or("");
            rest = after.get(end + 1..).unwrap_or("");
            let self_closing = tag.ends_with('/');
            let name_end = tag
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(tag.len());
            let name = tag.get(..name_end).unwrap_or("");
            let local = name.rsplit(':').next().unwrap_or(name);
            buf.clear();
            if self_closing {
                continue;
            }
            if skipped_depth > 0 || stack.len() >= MAX_DEPTH {
                skipped_depth += 1;
            } else {
                stack.push(local.to_owned());
            }
        }
    }
}

/// The end of a start tag (`>` outside quoted attribute values).
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    s.len()
}

fn decode_into(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp + 1..).unwrap_or("");
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let ent = after.get(..i)?;
            match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(n)
                }
            }
        });
        match (decoded, semi) {
            (Some(c), Some(i)) => {
                out.push(c);
                rest = after.get(i + 1..).unwrap_or("");
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherits_group_and_version_from_parent_and_resolves_properties() {
        let p = parse(
            "META-INF/maven/x/y/pom.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment <groupId>no</groupId> -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>2.1</version></parent>
  <artifactId>child</artifactId>
  <name>Child &amp; co</name>
  <url>https://example.org/${project.artifactId}</url>
  <properties><lic>Apache-2.0</lic></properties>
  <licenses><license><name>${lic}</name></license><license><url>https://x/l</url></license></licenses>
  <developers><developer><name>Ann</name></developer><developer><name>Bob</name></developer></developers>
  <dependencies><dependency><groupId>dep</groupId><version>9</version></dependency></dependencies>
</project>"#,
        );
        assert_eq!(p.group_id, "org.example");
        assert_eq!(p.artifact_id, "child");
        assert_eq!(p.version, "2.1");
        assert_eq!(p.name.as_deref(), Some("Child & co"));
        assert_eq!(p.url.as_deref(), Some("https://example.org/child"));
        assert_eq!(p.parent.as_deref(), Some("org.example:parent:2.1"));
        assert_eq!(p.licenses, vec!["Apache-2.0", "https://x/l"]);
        assert_eq!(p.developer.as_deref(), Some("Ann"));
    }

    #[test]
    fn self_referencing_property_stops() {
        let p = parse(
            "p",
            "<project><properties><v>${v}x</v></properties><artifactId>a</artifactId><version>${v}</version></project>",
        );
        assert_eq!(p.version, "${v}");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
        let p = parse(
            "p",
            &format!("<project><artifactId>x</artifactId>{deep}</project>"),
        );
        assert_eq!(p.artifact_id, "x");
    }
}
