//! `vendor/composer/installed.json`, what Composer records as installed:
//! Composer 1 writes a JSON array of package entries, Composer 2 an object
//! `{"packages": [...], "dev": true, "dev-package-names": [...]}`.

use serde::Deserialize;

use super::package::RawPackage;

/// Composer 2's form.
#[derive(Deserialize)]
struct Installed2 {
    packages: Vec<RawPackage>,
    #[serde(default, rename = "dev-package-names")]
    dev_package_names: Vec<String>,
}

/// Parses an installed.json: each package entry with whether Composer
/// installed it as a dev requirement (Composer 2 only says so).
pub(super) fn parse(text: &str) -> Result<Vec<(RawPackage, bool)>, String> {
    let invalid = |e: serde_json::Error| format!("invalid installed.json: {e}");
    match text.trim_start().as_bytes().first() {
        Some(b'[') => {
            let packages: Vec<RawPackage> = serde_json::from_str(text).map_err(invalid)?;
            Ok(packages.into_iter().map(|p| (p, false)).collect())
        }
        Some(b'{') => {
            let doc: Installed2 = serde_json::from_str(text).map_err(invalid)?;
            let devs = doc.dev_package_names;
            Ok(doc
                .packages
                .into_iter()
                .map(|p| {
                    let dev = p.name.as_ref().is_some_and(|n| devs.contains(n));
                    (p, dev)
                })
                .collect())
        }
        _ => Err("invalid installed.json: neither an array nor an object".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_composer_forms() {
        let v1 = parse(r#"[{"name": "a/b", "version": "1.0.0"}]"#).unwrap();
        assert_eq!(v1.len(), 1);
        assert!(!v1[0].1);
        let v2 = parse(
            r#"{"packages": [{"name": "a/b", "version": "1.0.0"}, {"name": "c/d", "version": "2"}], "dev": true, "dev-package-names": ["c/d"]}"#,
        )
        .unwrap();
        assert_eq!(
            v2.iter()
                .map(|(p, dev)| (p.name.clone().unwrap(), *dev))
                .collect::<Vec<_>>(),
            [("a/b".to_owned(), false), ("c/d".to_owned(), true)]
        );
    }

    #[test]
    fn other_json_and_deep_nesting_are_errors() {
        assert!(parse("bogus installed.json").is_err());
        assert!(parse("{}").is_err());
        assert!(parse("42").is_err());
        // Nesting in skipped fields is walked without recursion; in a field
        // that is read, serde_json's recursion limit stops it.
        let n = 100_000;
        let skipped = format!(
            "[{{\"name\": \"a\", \"version\": \"1\", \"extra\": {}{}}}]",
            "[".repeat(n),
            "]".repeat(n)
        );
        assert_eq!(parse(&skipped).unwrap().len(), 1);
        let read = format!(
            "[{{\"name\": \"a\", \"license\": {}{}}}]",
            "[".repeat(n),
            "]".repeat(n)
        );
        let err = parse(&read).unwrap_err();
        assert!(err.contains("recursion limit"), "{err}");
    }
}
