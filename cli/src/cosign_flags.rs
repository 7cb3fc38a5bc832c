//! cosign's everyday flags, with cosign's meaning (its
//! `cmd/cosign/cli/options/*.go`), shared by the commands that sign,
//! attest, verify and move things in registries; and the helpers that turn
//! them into what the commands use (keys from `env://`, annotations,
//! predicate types). Every difference from cosign is in docs/compat.md.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use clap::Args;
use zeroize::Zeroizing;

/// cosign's registry flags (`options/registry.go`), on every command that
/// takes an IMAGE.
#[derive(Debug, Args, Default, Clone)]
pub struct RegistryFlags {
    /// Accept the registry's TLS certificate whatever it is (self-signed,
    /// expired, another host's), and plain HTTP for a registry that does
    /// not speak TLS. For testing only.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        value_parser = parse_go_bool
    )]
    pub allow_insecure_registry: bool,
    /// Allow plain HTTP to a registry that does not speak TLS. For testing
    /// only.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        value_parser = parse_go_bool
    )]
    pub allow_http_registry: bool,
    /// Registry user name; needs --registry-password. Takes precedence over
    /// SBOMCTL_REGISTRY_USERNAME and the docker config.
    #[arg(
        long,
        value_name = "USER",
        env = "COSIGN_REGISTRY_USERNAME",
        requires = "registry_password"
    )]
    pub registry_username: Option<String>,
    /// Registry password or token; needs --registry-username.
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "COSIGN_REGISTRY_PASSWORD",
        hide_env_values = true,
        requires = "registry_username"
    )]
    pub registry_password: Option<String>,
    /// A bearer token for the registry, sent as `Authorization: Bearer
    /// TOKEN` when it asks for authentication (instead of the docker
    /// config's credentials; --registry-username takes precedence).
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub registry_token: Option<String>,
    /// A PEM file of CA certificates to trust for the registry's TLS
    /// certificate, in addition to the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub registry_cacert: Option<std::path::PathBuf>,
}

/// The registry TLS and token settings of `scan`, named as syft's
/// configuration names them (`registry.insecure-skip-tls-verify`,
/// `registry.ca-cert`), with cosign's flag names as aliases.
#[derive(Debug, Args, Default, Clone)]
pub struct ScanRegistryFlags {
    /// Accept the registry's TLS certificate whatever it is (self-signed,
    /// expired, another host's), and plain HTTP for a registry that does
    /// not speak TLS (alias: --allow-insecure-registry). For testing only.
    #[arg(
        long,
        visible_alias = "allow-insecure-registry",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        value_parser = parse_go_bool
    )]
    pub registry_insecure_skip_tls_verify: bool,
    /// A PEM file of CA certificates to trust for the registry's TLS
    /// certificate, in addition to the built-in roots (alias:
    /// --registry-cacert).
    #[arg(long, visible_alias = "registry-cacert", value_name = "FILE")]
    pub registry_ca_cert: Option<std::path::PathBuf>,
    /// A bearer token for the registry, sent as `Authorization: Bearer
    /// TOKEN` when it asks for authentication (instead of the docker
    /// config's credentials).
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub registry_token: Option<String>,
}

/// The flags `cosign sign`, `attest` and `sign-blob` share that change
/// nothing in sbomctl or that it can only refuse (`options/sign.go`).
#[derive(Debug, Args, Default, Clone)]
pub struct SigningFlags {
    /// Skip confirmation prompts (cosign asks before uploading to the
    /// public transparency log; sbomctl never asks).
    #[arg(
        short = 'y',
        long,
        env = "COSIGN_YES",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        value_parser = parse_go_bool
    )]
    pub yes: bool,
    /// Upload to the transparency log (Rekor). Keyless signing uploads
    /// unless --tlog-upload=false (then a timestamp authority must give the
    /// signing time). With --key nothing is uploaded: leaving the flag out
    /// is the same as --tlog-upload=false, and --tlog-upload=true is
    /// refused (exit 2).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub tlog_upload: Option<bool>,
    /// With --key: the key's certificate (PEM; a hardware key's or an
    /// enterprise CA's), stored with the signature. Its public key must be
    /// the key's.
    #[arg(long, value_name = "FILE")]
    pub certificate: Option<String>,
    /// With --certificate: the certificates above it up to the root (PEM,
    /// concatenated), stored with the signature.
    #[arg(long, value_name = "FILE")]
    pub certificate_chain: Option<String>,
}

impl SigningFlags {
    /// Refuses, when signing with `--key`, what sbomctl does not do there
    /// (an explicit `--tlog-upload=true`) and a `--certificate-chain`
    /// without `--certificate`.
    pub fn check(&self) -> Result<()> {
        if self.tlog_upload == Some(true) {
            bail!(
                "--tlog-upload=true: sbomctl does not upload to a transparency log when signing \
                 with --key (pass --tlog-upload=false, leave the flag out, or sign keylessly)"
            );
        }
        if self.certificate.is_none() && self.certificate_chain.is_some() {
            bail!("--certificate-chain: needs --certificate (the key's certificate)");
        }
        Ok(())
    }
}

/// The certificate flags of cosign's verify commands
/// (`options/certificate.go`): a signing certificate given beside the
/// signature, and the user's own certificate authorities, which replace
/// the trusted root's Fulcio authorities for the chain.
#[derive(Debug, Args, Default, Clone)]
pub struct VerifyCertificateFlags {
    /// The signing certificate (PEM) to verify with instead of the one
    /// stored with the signature (a bundle's must be this one). It must
    /// chain to the Fulcio roots of the trusted root, or to --ca-roots or
    /// --certificate-chain when given.
    #[arg(long, value_name = "FILE")]
    pub certificate: Option<String>,
    /// A PEM list of CA certificates from the signing certificate's issuer
    /// up to the root: the chain is used instead of the Fulcio roots, and
    /// its last certificate is the only trust anchor. Conflicts with
    /// --ca-roots and --ca-intermediates.
    #[arg(long, value_name = "FILE")]
    pub certificate_chain: Option<String>,
    /// A PEM bundle of root CA certificates that signing certificates must
    /// chain to, instead of the Fulcio roots (a private CA). Conflicts with
    /// --certificate-chain.
    #[arg(long, value_name = "FILE", conflicts_with = "certificate_chain")]
    pub ca_roots: Option<String>,
    /// A PEM file of intermediate CA certificates for building the chain
    /// to --ca-roots (needs --ca-roots). Conflicts with
    /// --certificate-chain.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "certificate_chain",
        requires = "ca_roots"
    )]
    pub ca_intermediates: Option<String>,
    /// Do not check that the signing certificate carries an embedded SCT
    /// (proof of inclusion in a certificate transparency log); a private
    /// CA's certificates usually have none.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        value_parser = parse_go_bool
    )]
    pub insecure_ignore_sct: bool,
}

impl VerifyCertificateFlags {
    /// The flag that makes `--key` impossible, for the usage error.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("--certificate", self.certificate.is_some()),
            ("--certificate-chain", self.certificate_chain.is_some()),
            ("--ca-roots", self.ca_roots.is_some()),
            ("--ca-intermediates", self.ca_intermediates.is_some()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name))
    }
}

/// A boolean flag value as cobra parses it (Go's `strconv.ParseBool`).
pub fn parse_go_bool(value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("`{value}`: expected true or false")),
    }
}

/// `-a KEY=VALUE` values (repeatable, or comma-separated as cobra's string
/// slices are) as a map; the last value of a repeated key wins, as in
/// cosign.
pub fn annotations(values: &[String]) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for value in values {
        let Some((key, val)) = value.split_once('=') else {
            bail!("unable to parse annotation: {value} (expected KEY=VALUE)");
        };
        map.insert(key.to_owned(), val.to_owned());
    }
    Ok(map)
}

/// Where a `--key` comes from: a file, or `env://VAR` (the PEM in an
/// environment variable), as cosign's `blob.LoadFileOrURL`.
pub fn read_key_ref(key: &str) -> Result<Zeroizing<String>> {
    if let Some(var) = key.strip_prefix("env://") {
        return match std::env::var(var) {
            Ok(value) => Ok(Zeroizing::new(value)),
            Err(std::env::VarError::NotPresent) => {
                bail!("--key {key}: environment variable {var} is not set")
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!("--key {key}: environment variable {var} is not UTF-8")
            }
        };
    }
    if let Some((scheme, _)) = key.split_once("://") {
        bail!(
            "--key {key}: {scheme}:// keys (KMS, PKCS#11, Kubernetes, URLs) are not supported; \
             give a key file or env://VAR"
        );
    }
    Ok(sbomctl_attest::pem::read_file(std::path::Path::new(key))?)
}

/// cosign's `--type` names (`options/predicate.go`, `PredicateTypeMap`).
pub const PREDICATE_TYPE_NAMES: &[&str] = &[
    "slsaprovenance",
    "slsaprovenance02",
    "slsaprovenance1",
    "link",
    "spdx",
    "spdxjson",
    "cyclonedx",
    "vuln",
    "openvex",
    "custom",
];

/// Checks a `--type` as cosign's `ParsePredicateType` does: one of
/// [`PREDICATE_TYPE_NAMES`], or a URI that Go's `url.ParseRequestURI`
/// accepts (a scheme, or an absolute path). An unknown name is an error
/// suggesting the closest name.
pub fn check_predicate_type(value: &str) -> Result<()> {
    if PREDICATE_TYPE_NAMES.contains(&value) || is_request_uri(value) {
        return Ok(());
    }
    let closest = PREDICATE_TYPE_NAMES
        .iter()
        .map(|name| (edit_distance(&value.to_ascii_lowercase(), name), *name))
        .min();
    let hint = match closest {
        Some((d, name)) if d <= 3 => format!(" (did you mean `{name}`?)"),
        _ => String::new(),
    };
    bail!(
        "invalid predicate type: {value}{hint}; expected one of {} or a URI",
        PREDICATE_TYPE_NAMES.join(", ")
    )
}

/// Go's `url.ParseRequestURI` in the cases that matter for a predicate
/// type: an absolute path, or a scheme (a letter, then letters, digits,
/// `+`, `-`, `.`) followed by `:`; no control characters.
fn is_request_uri(value: &str) -> bool {
    if value.is_empty() || value.chars().any(char::is_control) {
        return false;
    }
    if value.starts_with('/') {
        return true;
    }
    let Some((scheme, _)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Levenshtein distance of two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (prev + cost).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicate_types_follow_cosign() {
        for ok in PREDICATE_TYPE_NAMES {
            assert!(check_predicate_type(ok).is_ok(), "{ok}");
        }
        for ok in [
            "https://example.com/p/v1",
            "urn:example:x",
            "/predicate",
            "x:y",
        ] {
            assert!(check_predicate_type(ok).is_ok(), "{ok}");
        }
        let err = check_predicate_type("spdx-json").unwrap_err().to_string();
        assert!(err.contains("did you mean `spdxjson`"), "{err}");
        let err = check_predicate_type("CycloneDX").unwrap_err().to_string();
        assert!(err.contains("did you mean `cyclonedx`"), "{err}");
        for bad in ["", "sbom", "1x:y", "a b"] {
            assert!(check_predicate_type(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn annotations_split_on_the_first_equals() {
        let got = annotations(&["a=b=c".into(), "k=".into(), "a=d".into()]).unwrap();
        assert_eq!(got["a"], "d");
        assert_eq!(got["k"], "");
        assert!(annotations(&["novalue".into()]).is_err());
    }

    #[test]
    fn go_bools() {
        assert_eq!(parse_go_bool("false"), Ok(false));
        assert_eq!(parse_go_bool("T"), Ok(true));
        assert!(parse_go_bool("yes").is_err());
    }
}
