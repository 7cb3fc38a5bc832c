//! What the signer checks before anything is written or pushed.
//!
//! 1. [`certificate`]: the certificate Fulcio issued is for our key and for
//!    the token's identity (its OIDC issuer extension is the token's issuer,
//!    one of its SANs is what Fulcio derives from the token's claims).
//!    cosign, sigstore-go and sigstore-python check the key (sigstore-go) or
//!    the SCT only; a CA that answers with someone else's certificate would
//!    make them sign under that identity.
//! 2. [`bundle`]: the finished bundle verifies with sbomctl's own offline
//!    verifier against the trusted root of the services used (sigstore-go
//!    does the same when it is given a trusted root): chain to the Fulcio
//!    root, SCT, Rekor SET, inclusion proof and checkpoint, RFC 3161
//!    timestamps, signature. Without a trusted root for the services (a
//!    private instance named by URL flags or a bare signing config), only
//!    what needs no key is checked ([`Services::verifies_with_root`] tells
//!    the caller, who warns).

use std::borrow::Cow;

use der::Decode as _;
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::{error, IdentityToken, Services, PUBLIC_GOOD_FULCIO, PUBLIC_GOOD_REKOR};
use crate::bundle::{Bundle, PublicKeyIdentifier, VerificationMaterial};
use crate::key::HashAlgorithm;
use crate::verify::keyless::identity::IdentityPolicy;
use crate::verify::keyless::merkle;
use crate::verify::keyless::sct;
use crate::verify::keyless::tlog::{check_entry_matches, EntryVerifier, SignedContent};
use crate::verify::keyless::trust_root::TrustedRoot;
use crate::verify::keyless::x509::{self, San};
use crate::verify::{Artifact, Expect, Policy, TlogPolicy, Verifier};
use crate::Result;

/// The public-good timestamp authority (in the built-in trusted root).
const PUBLIC_GOOD_TSA: &str = "https://timestamp.sigstore.dev/api/v1/timestamp";

/// Checks the certificate Fulcio issued: our key, the token's issuer and
/// the token's identity.
pub(super) fn certificate(der: &[u8], key: &SigningKey, token: &IdentityToken) -> Result<()> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| error("fulcio", format!("leaf certificate: {e}")))?;
    let spki = der::Encode::to_der(&cert.tbs_certificate.subject_public_key_info)
        .map_err(|e| error("fulcio", format!("leaf certificate key: {e}")))?;
    let ours = key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| error("fulcio", format!("encoding the public key: {e}")))?;
    if spki != ours.as_bytes() {
        return Err(error(
            "fulcio",
            "the certificate it issued is for another public key; nothing signed",
        ));
    }
    let leaf =
        x509::parse_leaf(der).map_err(|e| error("fulcio", format!("leaf certificate: {e}")))?;
    let issuers = token_issuers(token.claims());
    match leaf.oidc_issuer() {
        Some(found) if issuers.iter().any(|i| i == found) => {}
        found => {
            return Err(error(
                "fulcio",
                format!(
                    "the certificate it issued names OIDC issuer {}, the token's is `{}`; \
                     nothing signed",
                    found.map_or_else(|| "none".to_owned(), |f| format!("`{f}`")),
                    issuers.first().map_or("", String::as_str)
                ),
            ))
        }
    }
    let rules = identity_rules(token.claims());
    if !leaf
        .sans
        .iter()
        .any(|san| rules.iter().any(|rule| rule.accepts(san)))
    {
        let sans: Vec<&str> = leaf.sans.iter().map(San::value).collect();
        return Err(error(
            "fulcio",
            format!(
                "the certificate it issued is for identity `{}`, not the token's (sub `{}`); \
                 nothing signed",
                sans.join("`, `"),
                token.subject()
            ),
        ));
    }
    Ok(())
}

/// The issuers a certificate for this token may name: `iss`, or, for a
/// federating issuer (Dex, as the public-good `oauth2.sigstore.dev`), the
/// upstream issuer Fulcio reads from `federated_claims.connector_id`.
fn token_issuers(claims: &Value) -> Vec<String> {
    [
        claims.get("iss"),
        claims.pointer("/federated_claims/connector_id"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .map(str::to_owned)
    .collect()
}

/// How a SAN may be derived from the token.
enum Rule {
    /// The SAN is exactly this value.
    Exact(String),
    /// A URI SAN ending with this path (Fulcio's CI templates prefix a
    /// configured host: `{{.url}}/{{.job_workflow_ref}}`).
    Suffix(String),
    /// A username otherName `sub!domain` (the domain is Fulcio's config).
    Prefix(String),
}

impl Rule {
    fn accepts(&self, san: &San) -> bool {
        match (self, san) {
            (Rule::Exact(v), san) => san.value() == v,
            (Rule::Suffix(v), San::Uri(uri)) => uri.ends_with(v.as_str()),
            (Rule::Prefix(v), San::OtherName { value, .. }) => value.starts_with(v.as_str()),
            _ => false,
        }
    }
}

/// The SANs Fulcio derives from a token's claims, per issuer type of its
/// identity configuration (`config/identity/config.yaml`, `pkg/identity/`):
/// email, URI/SPIFFE/Chainguard (`sub`), username (`sub!domain`),
/// Kubernetes, and the CI providers' SAN templates (GitHub, GitLab,
/// Buildkite, CircleCI, Codefresh, Buddy).
fn identity_rules(claims: &Value) -> Vec<Rule> {
    let claim = |name: &str| claims.get(name).and_then(Value::as_str);
    let mut rules = Vec::new();
    if let Some(sub) = claim("sub") {
        rules.push(Rule::Exact(sub.to_owned()));
        rules.push(Rule::Prefix(format!("{sub}!")));
    }
    if let Some(email) = claim("email") {
        rules.push(Rule::Exact(email.to_owned()));
    }
    if let Some(r) = claim("job_workflow_ref") {
        rules.push(Rule::Suffix(format!("/{r}")));
    }
    if let Some(r) = claim("ci_config_ref_uri") {
        rules.push(Rule::Exact(format!("https://{r}")));
    }
    let joined = |names: &[&str], format: fn(&[&str]) -> String| {
        names
            .iter()
            .map(|n| claim(n))
            .collect::<Option<Vec<_>>>()
            .map(|v| Rule::Suffix(format(&v)))
    };
    rules.extend(
        [
            joined(&["organization_slug", "pipeline_slug"], |v| {
                format!("/{}/{}", v[0], v[1])
            }),
            joined(
                &[
                    "oidc.circleci.com/project-id",
                    "oidc.circleci.com/pipeline-definition-id",
                ],
                |v| format!("/projects/{}/pipeline-definitions/{}", v[0], v[1]),
            ),
            joined(
                &["account_name", "pipeline_name", "account_id", "pipeline_id"],
                |v| format!("/{}/{}:{}/{}", v[0], v[1], v[2], v[3]),
            ),
            joined(&["workspace_domain", "project_name", "pipeline_id"], |v| {
                format!("/{}/{}/pipelines/pipeline/{}", v[0], v[1], v[2])
            }),
        ]
        .into_iter()
        .flatten(),
    );
    if let (Some(ns), Some(sa)) = (
        claims
            .pointer("/kubernetes.io/namespace")
            .and_then(Value::as_str),
        claims
            .pointer("/kubernetes.io/serviceaccount/name")
            .and_then(Value::as_str),
    ) {
        rules.push(Rule::Exact(format!(
            "https://kubernetes.io/namespaces/{ns}/serviceaccounts/{sa}"
        )));
    }
    rules
}

impl Services {
    /// Whether what is signed with these services is verified against a
    /// trusted root before it is written (`trusted_root`, or the built-in
    /// root for the public-good instance); otherwise only the log entries'
    /// contents and inclusion proofs are checked.
    ///
    /// # Errors
    /// When the built-in root does not parse.
    pub fn verifies_with_root(&self) -> Result<bool> {
        Ok(trusted_root(self)?.is_some())
    }
}

/// The trusted root to check a bundle against, and what to call it.
fn trusted_root(services: &Services) -> Result<Option<(Cow<'_, TrustedRoot>, &'static str)>> {
    if let Some(root) = &services.trusted_root {
        return Ok(Some((Cow::Borrowed(root), "the given trusted root")));
    }
    let public_good = services.fulcio.trim_end_matches('/') == PUBLIC_GOOD_FULCIO
        && services
            .rekor
            .as_deref()
            .is_none_or(|r| r.trim_end_matches('/') == PUBLIC_GOOD_REKOR)
        && services.tsa.as_deref().is_none_or(|t| t == PUBLIC_GOOD_TSA);
    if public_good {
        return Ok(Some((
            Cow::Owned(TrustedRoot::public_good()?),
            "the built-in public-good trusted root",
        )));
    }
    Ok(None)
}

fn refused(root: &str, e: &crate::Error) -> crate::Error {
    error(
        "self-check",
        format!("the signed bundle does not verify against {root}, nothing written: {e}"),
    )
}

/// Verifies a bundle just signed with `certificate` (DER) for `artifact`.
/// The identity was checked against the token already; here the policy is
/// any identity.
pub(super) fn bundle(
    bundle: &Bundle,
    artifact: &Artifact<'_>,
    expect: Expect<'_>,
    services: &Services,
    certificate: &[u8],
) -> Result<()> {
    let vm = bundle
        .verification_material
        .as_ref()
        .ok_or_else(|| error("self-check", "the bundle has no verification material"))?;
    let Some((root, name)) = trusted_root(services)? else {
        return without_root(bundle, vm, artifact, certificate);
    };
    let has_time = !vm.tlog_entries.is_empty()
        || vm
            .timestamp_verification_data
            .as_ref()
            .is_some_and(|t| !t.rfc3161_timestamps.is_empty());
    if has_time {
        let tlog = if services.rekor.is_some() {
            TlogPolicy::Require
        } else {
            TlogPolicy::IfPresent
        };
        Verifier::new(
            Policy::Identity(IdentityPolicy::default()),
            Some(&root),
            tlog,
        )
        .verify_parsed_bundle(bundle, artifact, expect)
        .map_err(|e| refused(name, &e))?;
        return Ok(());
    }
    // Neither a log entry nor a timestamp (`--tlog-upload=false` without a
    // timestamp authority): the chain and SCT now, as sigstore-go does,
    // then the signature with the certificate's key.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let verified =
        x509::verify_chain(certificate, &[], &root, now).map_err(|e| refused(name, &e))?;
    sct::verify_embedded_scts(&verified, &root).map_err(|e| refused(name, &e))?;
    let mut keyed = bundle.clone();
    keyed.verification_material = Some(VerificationMaterial {
        public_key: Some(PublicKeyIdentifier::default()),
        ..VerificationMaterial::default()
    });
    Verifier::key(verified.public_key)
        .verify_parsed_bundle(&keyed, artifact, expect)
        .map_err(|e| refused(name, &e))?;
    Ok(())
}

/// No trusted root for these services: each log entry records this
/// signature, certificate and artifact, and its inclusion proof leads to
/// its root hash. The SET, checkpoint, chain, SCT and timestamps need the
/// services' keys and are not checked.
fn without_root(
    bundle: &Bundle,
    vm: &VerificationMaterial,
    artifact: &Artifact<'_>,
    certificate: &[u8],
) -> Result<()> {
    let fail = |e: &crate::Error| {
        error(
            "self-check",
            format!("the signed bundle is not consistent, nothing written: {e}"),
        )
    };
    let digest;
    let content = match (&bundle.message_signature, &bundle.dsse_envelope, artifact) {
        (Some(m), None, Artifact::Blob(data)) => {
            digest = Sha256::digest(data).to_vec();
            Some(SignedContent::MessageSignature {
                signature: &m.signature,
                digest_algorithm: HashAlgorithm::Sha256,
                digest: &digest,
            })
        }
        (None, Some(envelope), _) => Some(SignedContent::Dsse(envelope)),
        _ => None,
    };
    for entry in &vm.tlog_entries {
        if let Some(content) = content {
            check_entry_matches(entry, content, EntryVerifier::Certificate(certificate))
                .map_err(|e| fail(&e))?;
        }
        if let Some(proof) = &entry.inclusion_proof {
            let leaf = merkle::leaf_hash(&entry.canonicalized_body);
            let index = u64::try_from(proof.log_index).unwrap_or(u64::MAX);
            let size = u64::try_from(proof.tree_size).unwrap_or(0);
            let root = merkle::root_from_inclusion_proof(&leaf, index, size, &proof.hashes)
                .map_err(|e| fail(&e))?;
            if root.as_slice() != proof.root_hash.as_slice() {
                return Err(error(
                    "self-check",
                    format!(
                        "the signed bundle is not consistent, nothing written: the inclusion \
                         proof of log index {} does not lead to its root hash",
                        entry.log_index
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(v: &str) -> San {
        San::Uri(v.to_owned())
    }

    fn accepted(claims: &str, san: &San) -> bool {
        let claims: Value = serde_json::from_str(claims).unwrap();
        identity_rules(&claims).iter().any(|r| r.accepts(san))
    }

    #[test]
    fn sans_fulcio_derives_from_ci_tokens_are_accepted() {
        let github = r#"{"sub":"repo:o/r:ref:refs/heads/main",
            "job_workflow_ref":"o/r/.github/workflows/rel.yml@refs/heads/main"}"#;
        assert!(accepted(
            github,
            &uri("https://github.com/o/r/.github/workflows/rel.yml@refs/heads/main")
        ));
        assert!(!accepted(
            github,
            &uri("https://github.com/x/r/.github/workflows/rel.yml@refs/heads/main")
        ));
        let gitlab = r#"{"sub":"project_path:g/p:ref_type:branch:ref:main",
            "ci_config_ref_uri":"gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main"}"#;
        assert!(accepted(
            gitlab,
            &uri("https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main")
        ));
        let email = r#"{"sub":"123","email":"me@example.com"}"#;
        assert!(accepted(email, &San::Email("me@example.com".to_owned())));
        assert!(!accepted(email, &San::Email("you@example.com".to_owned())));
        let username = r#"{"sub":"me"}"#;
        let other = |v: &str| San::OtherName {
            oid: "1.3.6.1.4.1.57264.1.7".to_owned(),
            value: v.to_owned(),
        };
        assert!(accepted(username, &other("me!example.com")));
        assert!(!accepted(username, &other("mem!example.com")));
        let k8s = r#"{"sub":"system:serviceaccount:ns:sa",
            "kubernetes.io":{"namespace":"ns","serviceaccount":{"name":"sa"}}}"#;
        assert!(accepted(
            k8s,
            &uri("https://kubernetes.io/namespaces/ns/serviceaccounts/sa")
        ));
        let buildkite = r#"{"sub":"x","organization_slug":"org","pipeline_slug":"pipe"}"#;
        assert!(accepted(buildkite, &uri("https://buildkite.com/org/pipe")));
        assert!(!accepted(
            buildkite,
            &uri("https://buildkite.com/org/other")
        ));
    }

    #[test]
    fn federated_issuer_is_accepted() {
        let claims: Value = serde_json::from_str(
            r#"{"iss":"https://oauth2.sigstore.dev/auth",
                "federated_claims":{"connector_id":"https://github.com/login/oauth"}}"#,
        )
        .unwrap();
        assert_eq!(
            token_issuers(&claims),
            [
                "https://oauth2.sigstore.dev/auth",
                "https://github.com/login/oauth"
            ]
        );
    }
}
