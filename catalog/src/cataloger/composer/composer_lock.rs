//! `composer.lock`: the packages a project's `composer.json` resolved to.
//! Only `packages` is read: `packages-dev` are the project's development
//! requirements, left out as syft does.

use serde::Deserialize;

use super::package::RawPackage;

/// The lock; other fields (`packages-dev`, `content-hash`, …) are skipped.
#[derive(Deserialize)]
struct Lock {
    packages: Vec<RawPackage>,
}

/// Parses a composer.lock into its package entries.
pub(super) fn parse(text: &str) -> Result<Vec<RawPackage>, String> {
    let lock: Lock =
        serde_json::from_str(text).map_err(|e| format!("invalid composer.lock: {e}"))?;
    Ok(lock.packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packages_not_dev_packages() {
        let p = parse(
            r#"{"packages": [{"name": "a/b", "version": "1"}], "packages-dev": [{"name": "c/d", "version": "2"}]}"#,
        )
        .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].name.as_deref(), Some("a/b"));
    }

    #[test]
    fn other_json_is_an_error() {
        assert!(parse("{}").is_err());
        assert!(parse("[]").is_err());
        assert!(parse("{\"packages\": 1}").is_err());
    }
}
