//! Who made an SBOM (`--sbom-author`), beside the tool that wrote it.

use std::fmt;
use std::str::FromStr;

/// A person or organisation named as the SBOM's author, written as SPDX 2
/// `creationInfo.creators` (`Person:` / `Organization:`), SPDX 3
/// `createdBy` agents and CycloneDX `metadata.authors` (1.6+: an
/// organisation also as `metadata.manufacturer`). Parsed from SPDX 2's
/// creator syntax: `Organization: NAME (EMAIL)`, `Person: NAME (EMAIL)`,
/// the email optional.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SbomAuthor {
    /// True for `Organization:`, false for `Person:`.
    pub organization: bool,
    /// The name, one line, non-empty.
    pub name: String,
    /// The email, when given.
    pub email: Option<String>,
}

/// The longest author string accepted (a flag value, not image content).
const MAX_LEN: usize = 1024;

impl FromStr for SbomAuthor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "SBOM author `{s}`: expected `Organization: NAME (EMAIL)` or `Person: NAME (EMAIL)` (EMAIL optional)"
            )
        };
        if s.len() > MAX_LEN || s.contains(['\n', '\r']) {
            return Err(usage());
        }
        let (kind, rest) = s.split_once(':').ok_or_else(usage)?;
        let organization = match kind.trim() {
            "Organization" => true,
            "Person" => false,
            _ => return Err(usage()),
        };
        let rest = rest.trim();
        let (name, email) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once('(')) {
            Some((name, email)) => (name.trim(), Some(email.trim())),
            None => (rest, None),
        };
        let email = email.filter(|e| !e.is_empty());
        if name.is_empty() || name.contains(['(', ')']) {
            return Err(usage());
        }
        if let Some(e) = email {
            if !super::validate::is_email(e) {
                return Err(format!("SBOM author `{s}`: `{e}` is not an email address"));
            }
        }
        Ok(SbomAuthor {
            organization,
            name: name.to_owned(),
            email: email.map(str::to_owned),
        })
    }
}

impl fmt::Display for SbomAuthor {
    /// SPDX 2's creator form: `Organization: NAME (EMAIL)`,
    /// `Person: NAME`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.organization {
            "Organization"
        } else {
            "Person"
        };
        match &self.email {
            Some(e) => write!(f, "{kind}: {} ({e})", self.name),
            None => write!(f, "{kind}: {}", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spdx_creator_syntax() {
        let a: SbomAuthor = "Organization: ACME (sbom@acme.example)".parse().unwrap();
        assert_eq!(
            a,
            SbomAuthor {
                organization: true,
                name: "ACME".into(),
                email: Some("sbom@acme.example".into())
            }
        );
        assert_eq!(a.to_string(), "Organization: ACME (sbom@acme.example)");
        let p: SbomAuthor = "Person:  Jane Doe ".parse().unwrap();
        assert_eq!(p.to_string(), "Person: Jane Doe");
        let p: SbomAuthor = "Person: Jane Doe ()".parse().unwrap();
        assert_eq!(p.to_string(), "Person: Jane Doe");
        for bad in [
            "ACME",
            "Tool: x",
            "Organization: ",
            "Organization: (a@b.example)",
            "Person: Jane (not an email)",
            "Person: Jane\n(a@b.example)",
        ] {
            assert!(bad.parse::<SbomAuthor>().is_err(), "{bad:?}");
        }
    }
}
