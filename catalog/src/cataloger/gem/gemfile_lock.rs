//! `Gemfile.lock`, as Bundler writes it: sections at column 0 (`GEM`,
//! `GIT`, `PATH`, `PLUGIN SOURCE`, `PLATFORMS`, `DEPENDENCIES`,
//! `CHECKSUMS`, …); in a source section, `  remote: URL`, then `  specs:`
//! with one gem per 4-space line, `NAME (VERSION[-PLATFORM])`, and its
//! dependencies on the 6-space lines below it. `CHECKSUMS` (Bundler 2.5+)
//! lists `  NAME (VERSION[-PLATFORM]) sha256=HEX`.
//!
//! A gem locked for several platforms (`nokogiri (1.16.0)`,
//! `nokogiri (1.16.0-x86_64-linux)`) is one entry with each platform
//! listed: RubyGems versions never hold a `-` (it spells pre-releases
//! with `.pre.`), so the first `-` starts the platform, as Bundler's own
//! lock parser reads it.

use std::collections::HashMap;

/// One locked gem.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct LockedGem {
    pub name: String,
    pub version: String,
    /// Platforms other than `ruby` it is locked for, in order.
    pub platforms: Vec<String>,
    /// Names it depends on, in order, without duplicates.
    pub dependencies: Vec<String>,
    /// The section it was locked in (`GEM`, `GIT`, `PATH`, `PLUGIN SOURCE`).
    pub source: String,
    /// The section's `remote:`.
    pub remote: Option<String>,
    /// Lowercase hex SHA-256 of the `.gem`, from `CHECKSUMS`, when the gem
    /// is locked for one platform only.
    pub sha256: Option<String>,
}

const SOURCES: [&str; 4] = ["GEM", "GIT", "PATH", "PLUGIN SOURCE"];

/// Parses a lock file. `Err` when it has no source section at all (not a
/// Gemfile.lock).
pub(super) fn parse(text: &str) -> Result<Vec<LockedGem>, String> {
    let mut out: Vec<LockedGem> = Vec::new();
    // (name, version) → position in `out`
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    // `name (version-platform)` → sha256
    let mut checksums: HashMap<String, String> = HashMap::new();
    // Each gem's locked `version[-platform]` strings, for the checksums.
    let mut variants: Vec<Vec<String>> = Vec::new();
    let mut section = "";
    let mut remote: Option<String> = None;
    let mut in_specs = false;
    let mut current: Option<usize> = None;
    let mut seen_source = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            seen_source |= SOURCES.contains(&section);
            remote = None;
            in_specs = false;
            current = None;
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.trim();
        if section == "CHECKSUMS" && indent == 2 {
            if let Some((gem, sums)) = content.split_once(") ") {
                if let Some(sha) = sums
                    .split(',')
                    .find_map(|s| s.trim().strip_prefix("sha256="))
                {
                    checksums.insert(format!("{gem})"), sha.to_ascii_lowercase());
                }
            }
            continue;
        }
        if !SOURCES.contains(&section) {
            continue;
        }
        match indent {
            2 => {
                in_specs = content == "specs:";
                if let Some(r) = content.strip_prefix("remote:") {
                    remote = Some(r.trim().to_owned());
                }
                current = None;
            }
            4 if in_specs => {
                let Some((name, locked)) = name_and_version(content) else {
                    current = None;
                    continue;
                };
                let (version, platform) = match locked.split_once('-') {
                    Some((v, p)) => (v, Some(p)),
                    None => (locked, None),
                };
                let key = (name.to_owned(), version.to_owned());
                let at = match index.get(&key) {
                    Some(&at) => at,
                    None => {
                        let at = out.len();
                        out.push(LockedGem {
                            name: name.to_owned(),
                            version: version.to_owned(),
                            source: section.to_owned(),
                            remote: remote.clone(),
                            ..LockedGem::default()
                        });
                        variants.push(Vec::new());
                        index.insert(key, at);
                        at
                    }
                };
                if let Some(gem) = out.get_mut(at) {
                    if let Some(p) = platform.filter(|p| *p != "ruby") {
                        if !gem.platforms.iter().any(|q| q == p) {
                            gem.platforms.push(p.to_owned());
                        }
                    }
                }
                if let Some(v) = variants.get_mut(at) {
                    v.push(locked.to_owned());
                }
                current = Some(at);
            }
            6 => {
                let Some(gem) = current.and_then(|at| out.get_mut(at)) else {
                    continue;
                };
                let dep = content.split_once(" (").map_or(content, |(n, _)| n).trim();
                if !dep.is_empty() && !gem.dependencies.iter().any(|d| d == dep) {
                    gem.dependencies.push(dep.to_owned());
                }
            }
            _ => {}
        }
    }
    if !seen_source {
        return Err("not a Gemfile.lock: no GEM, GIT, PATH or PLUGIN SOURCE section".to_owned());
    }
    for (gem, locked) in out.iter_mut().zip(&variants) {
        if let [one] = locked.as_slice() {
            gem.sha256 = checksums.get(&format!("{} ({one})", gem.name)).cloned();
        }
    }
    Ok(out)
}

/// `name (version)` → (`name`, `version`); `None` for other shapes.
fn name_and_version(content: &str) -> Option<(&str, &str)> {
    let (name, rest) = content.split_once(" (")?;
    let version = rest.strip_suffix(')')?;
    let name = name.trim();
    (!name.is_empty() && !version.is_empty() && !name.contains(' ')).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "GIT
  remote: https://github.com/mongodb/mongoid.git
  revision: 4dcdaddea5d88a819c7c0d98ea0e994e13f515fe
  specs:
    mongoid (9.0.9)
      activemodel (>= 5.1, < 8.2, != 7.0.0)
      mongo (>= 2.18.0, < 3.0.0)

GEM
  remote: https://rubygems.org/
  specs:
    mongo (2.22.0)
      base64
    nokogiri (1.19.4)
      racc (~> 1.4)
    nokogiri (1.19.4-x86_64-linux-gnu)
      racc (~> 1.4)
    racc (1.8.1)

PLATFORMS
  ruby
  x86_64-linux-gnu

DEPENDENCIES
  mongoid (~> 9.0)!

CHECKSUMS
  nokogiri (1.19.4) sha256=50C951611C92BCA05C51411AEF45F1CBC50F2821C4802758C5C6D34696533AB5
  racc (1.8.1) sha256=4a7f6929691dbec8b5209a0b373bc2614882b55fc5d2e447a21aaa691303d62f

BUNDLED WITH
   2.5.9
";

    #[test]
    fn reads_sections_platforms_dependencies_and_checksums() {
        let gems = parse(LOCK).unwrap();
        let ids: Vec<String> = gems
            .iter()
            .map(|g| format!("{}@{}", g.name, g.version))
            .collect();
        assert_eq!(
            ids,
            [
                "mongoid@9.0.9",
                "mongo@2.22.0",
                "nokogiri@1.19.4",
                "racc@1.8.1"
            ]
        );
        let mongoid = &gems[0];
        assert_eq!(mongoid.source, "GIT");
        assert_eq!(
            mongoid.remote.as_deref(),
            Some("https://github.com/mongodb/mongoid.git")
        );
        assert_eq!(mongoid.dependencies, ["activemodel", "mongo"]);
        let nokogiri = &gems[2];
        assert_eq!(nokogiri.platforms, ["x86_64-linux-gnu"]);
        assert_eq!(nokogiri.dependencies, ["racc"]);
        assert_eq!(nokogiri.sha256, None, "two variants, two checksums");
        assert_eq!(
            gems[3].sha256.as_deref(),
            Some("4a7f6929691dbec8b5209a0b373bc2614882b55fc5d2e447a21aaa691303d62f")
        );
    }

    #[test]
    fn other_files_are_errors_and_empty_locks_are_empty() {
        assert!(parse("bogus\n").is_err());
        assert!(parse("").is_err());
        assert_eq!(parse("GEM\n  remote: x\n  specs:\n").unwrap(), []);
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let gems =
            parse("GEM\n  specs:\n    a\n      orphan\n    b (1\n    c (2)\n      d\n").unwrap();
        assert_eq!(gems.len(), 1);
        assert_eq!(gems[0].name, "c");
        assert_eq!(gems[0].dependencies, ["d"]);
    }
}
