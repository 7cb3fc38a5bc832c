//! The certificate identity policy of `cosign verify* --certificate-*`.
//!
//! cosign semantics (`pkg/cosign/verify.go` `CheckCertificatePolicy`):
//!
//! - `--certificate-identity` must equal one of the leaf's SANs (email,
//!   URI, DNS name, or Fulcio's username OtherName `1.3.6.1.4.1.57264.1.7`);
//!   `--certificate-identity-regexp` must match one of them.
//! - `--certificate-oidc-issuer(-regexp)` applies to the OIDC issuer
//!   extension: `1.3.6.1.4.1.57264.1.8` (DER UTF8String) if present, else
//!   the deprecated `1.3.6.1.4.1.57264.1.1` (raw bytes).
//! - `--certificate-github-workflow-{trigger,sha,name,repository,ref}`
//!   compare exactly with the deprecated GitHub extensions `.1.2`–`.1.6`,
//!   which is what cosign reads for them.
//! - `--certificate-extension OID=VALUE` (sbomctl's generic form) compares
//!   exactly with any Fulcio extension, e.g. `.1.12` (Source Repository URI).
//!
//! Regexes are Go-RE2-like (`regex` crate) and, as with Go's
//! `regexp.MatchString`, unanchored: `--certificate-identity-regexp
//! 'github.com/org/'` matches any SAN containing that text. Anchor with
//! `^…$` to match a whole SAN.

use regex::Regex;

use super::x509::{LeafCert, San};
use crate::{Error, Result};

/// The check name of every error from this module.
pub const CHECK: crate::verify::Check = crate::verify::Check::Identity;

/// Deprecated OIDC issuer extension (raw bytes).
pub const OID_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// GitHub workflow trigger (`--certificate-github-workflow-trigger`).
pub const OID_GITHUB_WORKFLOW_TRIGGER: &str = "1.3.6.1.4.1.57264.1.2";
/// GitHub workflow SHA (`--certificate-github-workflow-sha`).
pub const OID_GITHUB_WORKFLOW_SHA: &str = "1.3.6.1.4.1.57264.1.3";
/// GitHub workflow name (`--certificate-github-workflow-name`).
pub const OID_GITHUB_WORKFLOW_NAME: &str = "1.3.6.1.4.1.57264.1.4";
/// GitHub workflow repository (`--certificate-github-workflow-repository`).
pub const OID_GITHUB_WORKFLOW_REPOSITORY: &str = "1.3.6.1.4.1.57264.1.5";
/// GitHub workflow ref (`--certificate-github-workflow-ref`).
pub const OID_GITHUB_WORKFLOW_REF: &str = "1.3.6.1.4.1.57264.1.6";
/// OIDC issuer (v2, DER UTF8String).
pub const OID_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";

/// The Fulcio v2 extensions (`.1.8`–`.1.22`) by name, for
/// `--certificate-extension NAME=VALUE` and messages.
pub const FULCIO_V2_EXTENSIONS: &[(&str, &str)] = &[
    ("Issuer", OID_ISSUER_V2),
    ("BuildSignerURI", "1.3.6.1.4.1.57264.1.9"),
    ("BuildSignerDigest", "1.3.6.1.4.1.57264.1.10"),
    ("RunnerEnvironment", "1.3.6.1.4.1.57264.1.11"),
    ("SourceRepositoryURI", "1.3.6.1.4.1.57264.1.12"),
    ("SourceRepositoryDigest", "1.3.6.1.4.1.57264.1.13"),
    ("SourceRepositoryRef", "1.3.6.1.4.1.57264.1.14"),
    ("SourceRepositoryIdentifier", "1.3.6.1.4.1.57264.1.15"),
    ("SourceRepositoryOwnerURI", "1.3.6.1.4.1.57264.1.16"),
    ("SourceRepositoryOwnerIdentifier", "1.3.6.1.4.1.57264.1.17"),
    ("BuildConfigURI", "1.3.6.1.4.1.57264.1.18"),
    ("BuildConfigDigest", "1.3.6.1.4.1.57264.1.19"),
    ("BuildTrigger", "1.3.6.1.4.1.57264.1.20"),
    ("RunInvocationURI", "1.3.6.1.4.1.57264.1.21"),
    (
        "SourceRepositoryVisibilityAtSigning",
        "1.3.6.1.4.1.57264.1.22",
    ),
];

fn fail(message: impl Into<String>) -> Error {
    Error::Verification {
        check: CHECK,
        message: message.into(),
    }
}

/// An expected value: exact, or a regex (unanchored, like Go's
/// `regexp.MatchString`).
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Must equal the value.
    Exact(String),
    /// Must match somewhere in the value.
    Regex(Regex),
}

impl Matcher {
    /// A regex matcher.
    ///
    /// # Errors
    /// [`Error::Malformed`] when `pattern` does not compile.
    pub fn regex(pattern: &str) -> Result<Matcher> {
        Regex::new(pattern)
            .map(Matcher::Regex)
            .map_err(|e| Error::Malformed {
                what: format!("regular expression `{pattern}`"),
                message: e.to_string(),
            })
    }

    /// Whether `value` is accepted.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == value,
            Matcher::Regex(r) => r.is_match(value),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matcher::Exact(s) => write!(f, "`{s}`"),
            Matcher::Regex(r) => write!(f, "a match of /{}/", r.as_str()),
        }
    }
}

/// What the leaf certificate must say; `None`/empty parts are not checked.
#[derive(Debug, Clone, Default)]
pub struct IdentityPolicy {
    /// `--certificate-identity` / `--certificate-identity-regexp`, against
    /// the SANs.
    pub identity: Option<Matcher>,
    /// `--certificate-oidc-issuer` / `--certificate-oidc-issuer-regexp`.
    pub issuer: Option<Matcher>,
    /// `--certificate-github-workflow-trigger` (`.1.2`).
    pub github_workflow_trigger: Option<String>,
    /// `--certificate-github-workflow-sha` (`.1.3`).
    pub github_workflow_sha: Option<String>,
    /// `--certificate-github-workflow-name` (`.1.4`).
    pub github_workflow_name: Option<String>,
    /// `--certificate-github-workflow-repository` (`.1.5`).
    pub github_workflow_repository: Option<String>,
    /// `--certificate-github-workflow-ref` (`.1.6`).
    pub github_workflow_ref: Option<String>,
    /// `--certificate-extension OID=VALUE`: dotted OID and expected value.
    pub extensions: Vec<(String, Matcher)>,
}

impl IdentityPolicy {
    /// The usual policy: an exact identity and an exact issuer.
    #[must_use]
    pub fn exact(identity: &str, issuer: &str) -> IdentityPolicy {
        IdentityPolicy {
            identity: Some(Matcher::Exact(identity.to_owned())),
            issuer: Some(Matcher::Exact(issuer.to_owned())),
            ..IdentityPolicy::default()
        }
    }

    /// Adds `--certificate-extension SPEC` where `SPEC` is `OID=VALUE` or
    /// `NAME=VALUE` with a name of [`FULCIO_V2_EXTENSIONS`].
    ///
    /// # Errors
    /// [`Error::Malformed`] when `SPEC` has no `=` or names an unknown
    /// extension that is not a dotted OID.
    pub fn add_extension(&mut self, spec: &str) -> Result<()> {
        let malformed = |message: &str| Error::Malformed {
            what: format!("--certificate-extension `{spec}`"),
            message: message.to_owned(),
        };
        let (key, value) = spec
            .split_once('=')
            .ok_or_else(|| malformed("expected OID=VALUE"))?;
        let oid = if let Some((_, oid)) = FULCIO_V2_EXTENSIONS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
        {
            (*oid).to_owned()
        } else if !key.is_empty()
            && key
                .split('.')
                .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
        {
            key.to_owned()
        } else {
            return Err(malformed(
                "not a dotted OID or a known Fulcio extension name",
            ));
        };
        self.extensions
            .push((oid, Matcher::Exact(value.to_owned())));
        Ok(())
    }
}

fn extension_name(oid: &str) -> String {
    let legacy = [
        (OID_ISSUER_V1, "Issuer (v1)"),
        (OID_GITHUB_WORKFLOW_TRIGGER, "GitHub Workflow Trigger"),
        (OID_GITHUB_WORKFLOW_SHA, "GitHub Workflow SHA"),
        (OID_GITHUB_WORKFLOW_NAME, "GitHub Workflow Name"),
        (OID_GITHUB_WORKFLOW_REPOSITORY, "GitHub Workflow Repository"),
        (OID_GITHUB_WORKFLOW_REF, "GitHub Workflow Ref"),
    ];
    legacy
        .iter()
        .chain(
            FULCIO_V2_EXTENSIONS
                .iter()
                .map(|(n, o)| (*o, *n))
                .collect::<Vec<_>>()
                .iter(),
        )
        .find(|(o, _)| *o == oid)
        .map_or_else(|| oid.to_owned(), |(_, n)| format!("{n} ({oid})"))
}

fn describe_sans(sans: &[San]) -> String {
    if sans.is_empty() {
        return "no SANs".to_owned();
    }
    let list: Vec<String> = sans
        .iter()
        .map(|s| match s {
            San::Email(v) => format!("email `{v}`"),
            San::Uri(v) => format!("URI `{v}`"),
            San::Dns(v) => format!("DNS `{v}`"),
            San::OtherName { oid, value } => format!("otherName {oid} `{value}`"),
        })
        .collect();
    list.join(", ")
}

/// Checks the leaf against the policy, in cosign's order: SAN identity,
/// OIDC issuer, GitHub workflow extensions, generic extensions.
///
/// # Errors
/// [`Error::Verification`] with check `identity`, naming the expected and
/// the found value.
pub fn check(policy: &IdentityPolicy, leaf: &LeafCert) -> Result<()> {
    if let Some(expected) = &policy.identity {
        if !leaf.sans.iter().any(|s| expected.matches(s.value())) {
            return Err(fail(format!(
                "expected identity {expected}, the certificate has {}",
                describe_sans(&leaf.sans)
            )));
        }
    }
    if let Some(expected) = &policy.issuer {
        // cosign compares the empty string when there is no issuer
        // extension (a private CA's leaf): a regexp such as `.*` matches.
        match leaf.oidc_issuer() {
            Some(found) if expected.matches(found) => {}
            None if expected.matches("") => {}
            Some(found) => {
                return Err(fail(format!(
                    "expected OIDC issuer {expected}, the certificate has `{found}`"
                )))
            }
            None => {
                return Err(fail(format!(
                    "expected OIDC issuer {expected}, the certificate has no issuer extension \
                     ({OID_ISSUER_V2} or {OID_ISSUER_V1}; cosign then compares the empty \
                     string, e.g. --certificate-oidc-issuer-regexp '.*' matches it)"
                )))
            }
        }
    }
    let github = [
        (OID_GITHUB_WORKFLOW_TRIGGER, &policy.github_workflow_trigger),
        (OID_GITHUB_WORKFLOW_SHA, &policy.github_workflow_sha),
        (OID_GITHUB_WORKFLOW_NAME, &policy.github_workflow_name),
        (
            OID_GITHUB_WORKFLOW_REPOSITORY,
            &policy.github_workflow_repository,
        ),
        (OID_GITHUB_WORKFLOW_REF, &policy.github_workflow_ref),
    ];
    let github = github
        .iter()
        .filter_map(|(oid, v)| v.as_ref().map(|v| (*oid, Matcher::Exact(v.clone()))));
    for (oid, expected) in github.chain(
        policy
            .extensions
            .iter()
            .map(|(oid, m)| (oid.as_str(), m.clone())),
    ) {
        match leaf.extension(oid) {
            Some(found) if expected.matches(found) => {}
            Some(found) => {
                return Err(fail(format!(
                    "expected {} {expected}, the certificate has `{found}`",
                    extension_name(oid)
                )))
            }
            None => {
                return Err(fail(format!(
                    "expected {} {expected}, the certificate does not have that extension",
                    extension_name(oid)
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> LeafCert {
        LeafCert {
            der: Vec::new(),
            not_before: 0,
            not_after: 1,
            sans: vec![San::Uri(
                "https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1".to_owned(),
            )],
            extensions: vec![
                super::super::x509::FulcioExtension {
                    oid: OID_ISSUER_V1.to_owned(),
                    value: "https://old.example".to_owned(),
                    raw: Vec::new(),
                },
                super::super::x509::FulcioExtension {
                    oid: OID_ISSUER_V2.to_owned(),
                    value: "https://token.actions.githubusercontent.com".to_owned(),
                    raw: Vec::new(),
                },
                super::super::x509::FulcioExtension {
                    oid: OID_GITHUB_WORKFLOW_TRIGGER.to_owned(),
                    value: "push".to_owned(),
                    raw: Vec::new(),
                },
            ],
            spki_der: Vec::new(),
            subject: String::new(),
            issuer: String::new(),
        }
    }

    #[test]
    fn regex_is_unanchored_like_go() {
        let mut p = IdentityPolicy {
            identity: Some(Matcher::regex("github.com/org/").unwrap()),
            ..IdentityPolicy::default()
        };
        check(&p, &leaf()).unwrap();
        p.identity = Some(Matcher::regex("^github.com/org/").unwrap());
        assert!(check(&p, &leaf()).is_err());
    }

    #[test]
    fn v2_issuer_wins_over_v1() {
        let p = IdentityPolicy {
            issuer: Some(Matcher::Exact("https://old.example".to_owned())),
            ..IdentityPolicy::default()
        };
        let err = check(&p, &leaf()).unwrap_err().to_string();
        assert!(err.contains("token.actions"), "{err}");
    }

    #[test]
    fn without_an_issuer_extension_the_issuer_is_empty_as_in_cosign() {
        let mut private_ca = leaf();
        private_ca.extensions.clear();
        let mut p = IdentityPolicy {
            issuer: Some(Matcher::regex(".*").unwrap()),
            ..IdentityPolicy::default()
        };
        check(&p, &private_ca).unwrap();
        p.issuer = Some(Matcher::regex("^$").unwrap());
        check(&p, &private_ca).unwrap();
        p.issuer = Some(Matcher::regex(".+").unwrap());
        assert!(check(&p, &private_ca).is_err());
        p.issuer = Some(Matcher::Exact("https://issuer.example".to_owned()));
        let err = check(&p, &private_ca).unwrap_err().to_string();
        assert!(err.contains("no issuer extension"), "{err}");
    }

    #[test]
    fn extension_flags_compare_exactly() {
        let mut p = IdentityPolicy {
            github_workflow_trigger: Some("push".to_owned()),
            ..IdentityPolicy::default()
        };
        check(&p, &leaf()).unwrap();
        p.add_extension("SourceRepositoryURI=https://github.com/org/repo")
            .unwrap();
        let err = check(&p, &leaf()).unwrap_err().to_string();
        assert!(err.contains("SourceRepositoryURI"), "{err}");
        assert!(p.add_extension("nonsense").is_err());
    }
}
