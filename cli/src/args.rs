//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cosign_flags::{parse_go_bool, RegistryFlags, SigningFlags, VerifyCertificateFlags};

/// Make and attest SBOMs for container images.
#[derive(Debug, Parser)]
#[command(name = "sbomctl", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// No progress bars, no warnings: only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); the
    /// SBOMCTL_LOG environment variable (a tracing filter such as
    /// `sbomctl_oci=debug`) overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Write what the command prints on stdout to FILE instead (cosign's
    /// `--output-file`).
    #[arg(long, global = true, value_name = "FILE")]
    pub output_file: Option<std::path::PathBuf>,
    /// The configuration file (YAML; default: the first of .sbomctl.yaml,
    /// .sbomctl/config.yaml, $XDG_CONFIG_HOME/sbomctl/config.yaml,
    /// ~/.sbomctl.yaml). Every option can be set there or in an
    /// `SBOMCTL_<OPTION>` environment variable; flags win over the
    /// environment, which wins over the file.
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Same as `scan` (syft's older name).
    #[command(hide = true)]
    Packages(PackagesArgs),
    /// Catalog the packages of an image or directory (the default:
    /// `sbomctl IMAGE` is `sbomctl scan IMAGE`).
    Scan(PackagesArgs),
    /// Read an SBOM (native JSON, SPDX JSON, SPDX 3 JSON-LD or CycloneDX
    /// JSON) and write it in any output format.
    Convert(ConvertArgs),
    /// What changed between two images, SBOMs or verified SBOM
    /// attestations: packages added, removed, upgraded, downgraded, license
    /// and supplier changes.
    Diff(crate::commands::diff::DiffArgs),
    /// Check an SBOM against a compliance profile (NTIA minimum elements,
    /// BSI TR-03183-2): exit 1 and a report naming each missing element.
    Check(crate::commands::check::CheckArgs),
    /// Create a cosign-compatible key pair (PREFIX.key, PREFIX.pub).
    GenerateKeyPair(crate::commands::key::GenerateKeyPairArgs),
    /// Import a PEM private key (PKCS#8, SEC1, PKCS#1) as a cosign key pair.
    ImportKeyPair(crate::commands::key::ImportKeyPairArgs),
    /// Catalog an image (or take --predicate), sign an in-toto attestation
    /// of the SBOM and store it with the image, as `cosign attest` does.
    Attest(AttestArgs),
    /// Verify the attestations of an image with a public key or keylessly
    /// (certificate identity) and print the verified predicate.
    VerifyAttestation(VerifyAttestationArgs),
    /// Attach an artifact to an image.
    #[command(subcommand)]
    Attach(AttachCommand),
    /// Download what is attached to an image.
    #[command(subcommand)]
    Download(DownloadCommand),
    /// Print where cosign stores an image's signatures, attestations or SBOM.
    Triangulate(TriangulateArgs),
    /// Sign an image, with a key or keylessly: cosign's simple signing
    /// (`.sig` tag) or a bundle referrer (--new-bundle-format).
    Sign(SignArgs),
    /// Verify an image's signatures (`.sig` layers and cosign 3 bundle
    /// referrers) with a public key or keylessly.
    Verify(VerifyArgs),
    /// Sign a file with a key.
    SignBlob(SignBlobArgs),
    /// Verify a file's signature or bundle with a public key, or a bundle
    /// keylessly (certificate identity, offline against a trusted root).
    VerifyBlob(VerifyBlobArgs),
    /// Verify a bundle holding an in-toto attestation about a file.
    VerifyBlobAttestation(VerifyBlobAttestationArgs),
    /// Sign an in-toto attestation about a file (a bundle for
    /// verify-blob-attestation).
    AttestBlob(crate::commands::attest_blob::AttestBlobArgs),
    /// Display the signatures, attestations, SBOMs and referrers stored
    /// for an image.
    Tree(crate::commands::tree::TreeArgs),
    /// Copy an image with its signatures, attestations, SBOMs and
    /// referrers to another repository, registry or layout.
    Copy(crate::commands::copy::CopyArgs),
    /// Remove the signatures, attestations, SBOMs and referrers stored for
    /// an image.
    Clean(crate::commands::clean::CleanArgs),
    /// Save an image with its signatures, attestations, SBOMs and
    /// referrers to an OCI layout directory.
    Save(crate::commands::save::SaveArgs),
    /// Load an image with its attachments from an OCI layout directory
    /// into a registry.
    Load(crate::commands::save::LoadArgs),
    /// Inspect and trim the per-layer cache of scans.
    #[command(subcommand)]
    Cache(crate::commands::cache::CacheCommand),
    /// Log in to a registry (stores the credentials in the docker config).
    Login(crate::commands::login::LoginArgs),
    /// Log out of a registry (removes its credentials from the docker
    /// config).
    Logout(crate::commands::login::LogoutArgs),
    /// Print the public key (PEM) of a cosign private key.
    PublicKey(crate::commands::public_key::PublicKeyArgs),
    /// Print the version, commit, build date and compiler.
    Version(crate::commands::version::VersionArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completion(crate::commands::completion::CompletionArgs),
    /// Print the man page.
    #[command(hide = true)]
    Man(crate::commands::completion::ManArgs),
}

/// The image an attach, sign or verify command works on.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image: a registry reference (127.0.0.1:5000/app:1,
    /// ghcr.io/x/y@sha256:…, registry:REF) or an OCI layout directory
    /// (oci-dir:DIR, oci-dir:DIR:TAG, or an existing layout path).
    #[arg(value_name = "IMAGE", required = true)]
    pub image: Option<String>,
    /// For a multi-platform image, use this platform's manifest
    /// (os/arch[/variant]) instead of the index.
    #[arg(long)]
    pub platform: Option<String>,
    /// Allow plain HTTP to this registry host (repeatable). localhost and
    /// 127.0.0.1 always use HTTP.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    /// Deadline of each registry request, retries included (seconds, or
    /// with a unit: 90s, 5m, 1h). Blob transfers get this plus the time
    /// the blob takes at 64 KiB/s. [default: 120s]
    #[arg(
        long = "registry-timeout",
        value_name = "DURATION",
        env = "SBOMCTL_REGISTRY_TIMEOUT",
        value_parser = parse_timeout
    )]
    pub registry_timeout: Option<std::time::Duration>,
    #[command(flatten)]
    pub registry: RegistryFlags,
}

/// Where `attest` stores the attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AttachMode {
    /// An OCI 1.1 referrer holding a Sigstore bundle (cosign 3).
    Referrer,
    /// A layer of the `sha256-<hex>.att` image (cosign 2).
    Legacy,
    /// Both.
    Both,
}

/// The in-toto statement layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatementVersionArg {
    /// `https://in-toto.io/Statement/v1`.
    #[value(name = "1")]
    V1,
    /// `https://in-toto.io/Statement/v0.1` (older consumers).
    #[value(name = "0.1")]
    V0_1,
}

/// `attest --images FILE` takes no IMAGE (cli/src/commands/fleet_attest.rs).
#[derive(Debug, Args)]
#[command(
    mut_arg("image", |a| a
        .required(false)
        .required_unless_present("images")
        .conflicts_with("images")),
    mut_arg("images", |a| a.help(
        "Attest every image listed in FILE (one reference per line; blank lines and lines \
         starting with `#` are ignored; `-` reads stdin), skipping each image whose stored \
         attestation, verified with --key, already holds the SBOM this run would sign. \
         Needs --key.")),
    // `requires("images")` alone is waived by clap when IMAGE (which
    // conflicts with --images) is present: conflict with IMAGE instead.
    mut_arg("output_dir", |a| a.requires("images").conflicts_with("image").help(
        "With --images: where the summary (summary.json) is written.")),
    mut_arg("parallel", |a| a.conflicts_with("image")),
    mut_arg("shard", |a| a.conflicts_with("image")),
    // It names who made the SBOM sbomctl catalogs; a --predicate document
    // is attested as given.
    mut_arg("sbom_author", |a| a.conflicts_with("predicate")),
    mut_arg("source_supplier", |a| a.conflicts_with("predicate")),
)]
pub struct AttestArgs {
    /// The encrypted cosign private key: a file, or env://VAR for the PEM
    /// in an environment variable. Its password comes from
    /// SBOMCTL_PASSWORD or COSIGN_PASSWORD, else a prompt, else stdin.
    /// Without it, sign keylessly (identity token, Fulcio, Rekor).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: crate::commands::keyless_sign::KeylessSignArgs,
    /// Predicate type: spdx (SPDX 2.2 tag-value, as a JSON string),
    /// spdxjson (SPDX 2.3 JSON), cyclonedx (CycloneDX 1.6 JSON), another
    /// cosign name (slsaprovenance, slsaprovenance02, slsaprovenance1,
    /// link, vuln, openvex, custom) or a URI (those need --predicate).
    /// Default: custom with --predicate (as cosign), else spdxjson.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_: Option<String>,
    /// Attest this document instead of cataloging the image; `-` reads
    /// stdin.
    #[arg(long, value_name = "FILE")]
    pub predicate: Option<String>,
    /// The in-toto statement version.
    #[arg(long, value_enum, default_value = "1")]
    pub statement_version: StatementVersionArg,
    /// How to store the attestation. [default: referrer, or what
    /// --new-bundle-format says]
    #[arg(long, value_enum)]
    pub attach_mode: Option<AttachMode>,
    /// cosign's storage switch: true stores a Sigstore bundle as an OCI
    /// referrer (cosign 3), false a `.att` layer (cosign 2).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub author: crate::commands::sbom_author::SbomAuthorFlags,
    #[command(flatten)]
    pub supplier: crate::commands::sbom_author::SourceSupplierFlag,
    #[command(flatten)]
    pub signing: SigningFlags,
    #[command(flatten)]
    pub target: ImageArgs,
    #[command(flatten)]
    pub fleet: crate::commands::fleet::FleetArgs,
    #[command(flatten)]
    pub cache: crate::commands::cache::CacheFlags,
}

/// Keyless verification: who must have signed (the Fulcio certificate's
/// identity) and the trust anchors. Identity flags need an issuer flag.
#[derive(Debug, Args, Default)]
pub struct KeylessArgs {
    /// The signer identity the certificate's SAN must equal (email, URI).
    #[arg(
        long,
        value_name = "IDENTITY",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// A regular expression the certificate's SAN must match.
    #[arg(long, value_name = "REGEX")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer the certificate must name (Fulcio extension
    /// 1.3.6.1.4.1.57264.1.8 or .1.1).
    #[arg(
        long,
        value_name = "ISSUER",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression the certificate's OIDC issuer must match.
    #[arg(long, value_name = "REGEX")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// The GitHub workflow trigger the certificate must name.
    #[arg(long, value_name = "VALUE")]
    pub certificate_github_workflow_trigger: Option<String>,
    /// The GitHub workflow commit SHA the certificate must name.
    #[arg(long, value_name = "VALUE")]
    pub certificate_github_workflow_sha: Option<String>,
    /// The GitHub workflow name the certificate must name.
    #[arg(long, value_name = "VALUE")]
    pub certificate_github_workflow_name: Option<String>,
    /// The GitHub repository (owner/name) the certificate must name.
    #[arg(long, value_name = "VALUE")]
    pub certificate_github_workflow_repository: Option<String>,
    /// The GitHub ref the certificate must name.
    #[arg(long, value_name = "VALUE")]
    pub certificate_github_workflow_ref: Option<String>,
    /// A certificate extension that must have this value: OID=VALUE (or a
    /// Fulcio extension name=VALUE). Repeatable.
    #[arg(long, value_name = "OID=VALUE")]
    pub certificate_extension: Vec<String>,
    /// The Sigstore trusted root (trusted_root.json) to verify against
    /// instead of the public-good root built into sbomctl.
    #[arg(long, value_name = "FILE", env = "SIGSTORE_ROOT_FILE")]
    pub trusted_root: Option<std::path::PathBuf>,
    /// Accept a keyless signature without a transparency-log entry (its
    /// time must then come from an RFC 3161 timestamp). Insecure: a
    /// signature that was never logged cannot be audited.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        value_parser = parse_go_bool
    )]
    pub insecure_ignore_tlog: bool,
}

/// What `verify-attestation` prints for each verified attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AttestationOutput {
    /// cosign's output: each verified DSSE envelope, one JSON per line.
    Json,
    /// The same as json (cosign prints attestations alike in both).
    Text,
    /// The envelope of the newest verified attestation (by verified
    /// signing time; with a key, every distinct one), one per line.
    Envelope,
    /// The in-toto statement, exactly as signed.
    Statement,
    /// The predicate (the SBOM), exactly as signed; a string predicate
    /// (SPDX tag-value) is printed as its text.
    Predicate,
}

#[derive(Debug, Args)]
pub struct VerifyAttestationArgs {
    /// The public key (PEM): a file, or env://VAR. Without it, verify
    /// keylessly (identity flags).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: KeylessArgs,
    /// The predicate type the attestation must have: a cosign name
    /// (spdx, spdxjson, cyclonedx, custom, slsaprovenance, …) or a URI.
    #[arg(long = "type", value_name = "TYPE", default_value = "custom")]
    pub type_: String,
    /// What to print on stdout: json or text (cosign's: every verified DSSE
    /// envelope, one per line); envelope, statement or predicate of the
    /// newest verified attestation (predicate: e.g. the SBOM, ready for a
    /// scanner).
    #[arg(short, long, value_enum, default_value = "json")]
    pub output: AttestationOutput,
    /// Accepted for cosign compatibility: every storage form (bundle
    /// referrers and `.att` layers) is checked either way.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub certificate: VerifyCertificateFlags,
    #[command(flatten)]
    pub target: ImageArgs,
}

#[derive(Debug, Subcommand)]
pub enum AttachCommand {
    /// Attach an SBOM document (`cosign attach sbom`).
    Sbom(AttachSbomArgs),
}

/// The SBOM kind of `attach sbom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomType {
    /// SPDX: text/spdx, or text/spdx+json for JSON.
    Spdx,
    /// CycloneDX: application/vnd.cyclonedx+json or +xml.
    Cyclonedx,
    /// Syft JSON.
    Syft,
}

/// How the SBOM file is encoded (sniffed when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// JSON.
    Json,
    /// XML (CycloneDX).
    Xml,
    /// Text (SPDX tag-value).
    Text,
}

/// Where `attach sbom` stores the SBOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReferrersMode {
    /// The `sha256-<hex>.sbom` tag (cosign's default).
    Legacy,
    /// An OCI 1.1 referrer of the image.
    #[value(name = "oci-1-1")]
    Oci11,
}

#[derive(Debug, Args)]
pub struct AttachSbomArgs {
    /// The SBOM file.
    #[arg(long, value_name = "FILE")]
    pub sbom: std::path::PathBuf,
    /// The SBOM kind.
    #[arg(long = "type", value_enum, default_value = "spdx")]
    pub type_: SbomType,
    /// The file's encoding; sniffed (JSON or not) when not given.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Where to store it.
    #[arg(long, value_enum, default_value = "legacy")]
    pub registry_referrers_mode: ReferrersMode,
    #[command(flatten)]
    pub target: ImageArgs,
}

#[derive(Debug, Subcommand)]
pub enum DownloadCommand {
    /// Print the attached SBOM(s) (`.sbom` tag and SBOM referrers).
    Sbom(DownloadSbomArgs),
    /// Print the attestations (bundle referrers and `.att` layers) as DSSE
    /// envelope JSON lines, unverified.
    Attestation(DownloadAttestationArgs),
}

#[derive(Debug, Args)]
pub struct DownloadSbomArgs {
    #[command(flatten)]
    pub target: ImageArgs,
}

#[derive(Debug, Args)]
pub struct DownloadAttestationArgs {
    /// Only attestations of this predicate type (cosign alias or URI).
    #[arg(long, value_name = "TYPE")]
    pub predicate_type: Option<String>,
    #[command(flatten)]
    pub target: ImageArgs,
}

/// Which cosign tag `triangulate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TriangulateType {
    /// Signatures.
    Sig,
    /// Attestations.
    Att,
    /// SBOM.
    Sbom,
}

#[derive(Debug, Args)]
pub struct TriangulateArgs {
    /// Which tag.
    #[arg(long = "type", value_enum, default_value = "sig")]
    pub type_: TriangulateType,
    #[command(flatten)]
    pub target: ImageArgs,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The encrypted cosign private key: a file, or env://VAR for the PEM
    /// in an environment variable. Without it, sign keylessly (identity
    /// token, Fulcio, Rekor).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: crate::commands::keyless_sign::KeylessSignArgs,
    /// Extra KEY=VALUE pairs to sign, in the payload's `optional` section
    /// (repeatable, or comma-separated).
    #[arg(
        short = 'a',
        long = "annotations",
        value_name = "KEY=VALUE",
        value_delimiter = ','
    )]
    pub annotations: Vec<String>,
    /// Also write the base64 signature to FILE.
    #[arg(long, value_name = "FILE")]
    pub output_signature: Option<std::path::PathBuf>,
    /// Also write the signed payload to FILE.
    #[arg(long, value_name = "FILE")]
    pub output_payload: Option<std::path::PathBuf>,
    /// Write the signing certificate to FILE: a key signature has none, so
    /// nothing is written (as cosign).
    #[arg(long, value_name = "FILE")]
    pub output_certificate: Option<std::path::PathBuf>,
    /// Store the signature as cosign 3 does: a Sigstore bundle (DSSE
    /// statement of type `https://sigstore.dev/cosign/sign/v1` about the
    /// image digest) as an OCI 1.1 referrer. Default false: cosign 2's
    /// `.sig` layer.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub signing: SigningFlags,
    #[command(flatten)]
    pub target: ImageArgs,
}

/// What `verify` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyOutput {
    /// cosign's JSON array of the verified payloads.
    Json,
    /// Each verified payload as signed, one per line.
    Text,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The public key (PEM): a file, or env://VAR.
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    /// KEY=VALUE pairs every verified signature's payload must carry in its
    /// `optional` section (repeatable, or comma-separated).
    #[arg(
        short = 'a',
        long = "annotations",
        value_name = "KEY=VALUE",
        value_delimiter = ','
    )]
    pub annotations: Vec<String>,
    /// Output format: json (cosign's array of payloads) or text.
    #[arg(short, long, value_enum, default_value = "json")]
    pub output: VerifyOutput,
    #[command(flatten)]
    pub keyless: KeylessArgs,
    /// Accepted for cosign compatibility: `.sig` layers and bundle
    /// referrers are checked either way.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub certificate: VerifyCertificateFlags,
    #[command(flatten)]
    pub target: ImageArgs,
}

#[derive(Debug, Args)]
pub struct SignBlobArgs {
    /// The encrypted cosign private key: a file, or env://VAR. Without
    /// it, sign keylessly (identity token, Fulcio, Rekor; needs --bundle).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: crate::commands::keyless_sign::KeylessSignArgs,
    /// Also write a Sigstore bundle (v0.3) to this file.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<std::path::PathBuf>,
    /// Write the base64 signature to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_signature: Option<std::path::PathBuf>,
    /// Write the signing certificate to FILE: a key signature has none, so
    /// nothing is written (as cosign).
    #[arg(long, value_name = "FILE")]
    pub output_certificate: Option<std::path::PathBuf>,
    /// cosign's bundle switch: --bundle writes a Sigstore bundle (true,
    /// the default); false (cosign's older bundle) is refused with
    /// --bundle.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub signing: SigningFlags,
    /// The file to sign.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("sig").required(true).args(["bundle", "signature"])))]
pub struct VerifyBlobArgs {
    /// The public key (PEM): a file, or env://VAR. Without it, verify the
    /// bundle keylessly (identity flags).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: KeylessArgs,
    /// A Sigstore bundle from `sign-blob --bundle`.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<std::path::PathBuf>,
    /// The signature: a file (base64 or raw), or, when no such file
    /// exists, the base64 signature itself (as cosign).
    #[arg(long, value_name = "FILE|BASE64")]
    pub signature: Option<String>,
    /// Accepted for cosign compatibility: --bundle must be a Sigstore
    /// bundle; false (cosign's older bundle) is refused with --bundle.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub certificate: VerifyCertificateFlags,
    /// The file that was signed.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyBlobAttestationArgs {
    /// A Sigstore bundle holding a DSSE in-toto attestation about the file.
    #[arg(long, value_name = "FILE")]
    pub bundle: std::path::PathBuf,
    /// The predicate type the attestation must have: a cosign alias
    /// (spdx, spdxjson, cyclonedx, custom, slsaprovenance, …) or a URI.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_: String,
    /// The public key (PEM), for a key-signed bundle: a file, or
    /// env://VAR. Without it, verify keylessly (identity flags).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: KeylessArgs,
    /// Accepted for cosign compatibility: --bundle must be a Sigstore
    /// bundle; false is refused.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = parse_go_bool
    )]
    pub new_bundle_format: Option<bool>,
    #[command(flatten)]
    pub certificate: VerifyCertificateFlags,
    /// The file the attestation is about (a statement subject must carry
    /// its sha256 or sha512).
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
}

/// Which packages to report.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// What the final filesystem holds.
    Squashed,
    /// Also packages deleted by a later layer, with the layer they came from.
    AllLayers,
}

/// `--output-dir` goes with `--images` or `--platform all`
/// (cli/src/commands/platforms.rs).
#[derive(Debug, Args)]
#[command(
    group(clap::ArgGroup::new("output_dir_use").args(["images", "platform"]).multiple(true)),
    mut_arg("output_dir", |a| a.requires("output_dir_use").help(
        "With --images: where each image's SBOMs (one file per -o format) and the summary \
         (summary.json) are written. With --platform all: where each -o FORMAT without =DIR \
         writes its documents (one per platform, and the index document).")),
    // `requires("images")` alone is waived by clap when SOURCE (which
    // conflicts with --images) is present: conflict with SOURCE instead.
    mut_arg("parallel", |a| a.conflicts_with("source")),
    mut_arg("shard", |a| a.conflicts_with("source")),
)]
pub struct PackagesArgs {
    /// What to scan: registry:REF, docker-archive:FILE, oci-archive:FILE,
    /// oci-dir:DIR, dir:DIR, an existing path (sniffed), or an image
    /// reference (alpine:3.19, ghcr.io/x/y@sha256:…).
    #[arg(required_unless_present = "images", conflicts_with = "images")]
    pub source: Option<String>,
    /// Output format, optionally versioned and to a file:
    /// FORMAT[@VERSION][=FILE]. Repeatable. Formats: json (sbomctl's
    /// native JSON), syft-json (syft's schema 16.1.10), table, spdx
    /// (tag-value, 2.2; @2.3), spdx-json (2.3; @2.2), spdx3-json (SPDX
    /// 3.0.1 JSON-LD), cyclonedx-json and cyclonedx-xml (1.7, as syft;
    /// @1.4, @1.5, @1.6), purls, github-json. Default: table on a terminal, json otherwise.
    #[arg(short, long = "output", value_name = "FORMAT[@VERSION][=FILE]")]
    pub output: Vec<String>,
    /// Where each -o without `=FILE` writes, instead of stdout (syft's
    /// legacy flag; use -o FORMAT=FILE).
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// The name of the scanned image or directory in the SBOM (syft's
    /// --source-name).
    #[arg(long, value_name = "NAME")]
    pub source_name: Option<String>,
    /// The version of the scanned image or directory in the SBOM (syft's
    /// --source-version).
    #[arg(long, value_name = "VERSION")]
    pub source_version: Option<String>,
    #[command(flatten)]
    pub supplier: crate::commands::sbom_author::SourceSupplierFlag,
    #[command(flatten)]
    pub author: crate::commands::sbom_author::SbomAuthorFlags,
    /// Squashed (final filesystem) or all-layers.
    #[arg(short, long, value_enum, default_value = "squashed")]
    pub scope: ScopeArg,
    /// Platform to scan: os/arch[/variant]. Picks the manifest from a
    /// multi-platform image; a single-platform image of another platform
    /// is an error. Default: linux/amd64 from an index, else the image's.
    /// `all`: every platform of an index, one document per platform and
    /// format plus an index document, written with -o FORMAT=DIR
    /// (docs/multiplatform.md).
    #[arg(long)]
    pub platform: Option<String>,
    /// Allow plain HTTP to this registry host (repeatable). localhost and
    /// 127.0.0.1 always use HTTP.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    /// Deadline of each registry request, retries included (seconds, or
    /// with a unit: 90s, 5m, 1h). Blob transfers get this plus the time
    /// the blob takes at 64 KiB/s. [default: 120s]
    #[arg(
        long = "registry-timeout",
        value_name = "DURATION",
        env = "SBOMCTL_REGISTRY_TIMEOUT",
        value_parser = parse_timeout
    )]
    pub registry_timeout: Option<std::time::Duration>,
    #[command(flatten)]
    pub registry: crate::cosign_flags::ScanRegistryFlags,
    #[command(flatten)]
    pub scan: crate::commands::scan_options::ScanOptions,
    #[command(flatten)]
    pub fleet: crate::commands::fleet::FleetArgs,
    #[command(flatten)]
    pub cache: crate::commands::cache::CacheFlags,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The SBOM to read: sbomctl's native JSON, SPDX JSON (2.2, 2.3),
    /// SPDX 3.0.1 JSON-LD or CycloneDX JSON (1.2 to 1.7), sniffed from the
    /// content. `-` reads stdin.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Output format, optionally versioned and to a file:
    /// FORMAT[@VERSION][=FILE]. Repeatable. Same formats as `packages`.
    /// Default: table on a terminal, json otherwise.
    #[arg(short, long = "output", value_name = "FORMAT[@VERSION][=FILE]")]
    pub output: Vec<String>,
    #[command(flatten)]
    pub author: crate::commands::sbom_author::SbomAuthorFlags,
}

/// Parses `--registry-timeout`: whole seconds, or a number with `s`, `m`
/// or `h`; more than zero.
fn parse_timeout(value: &str) -> Result<std::time::Duration, String> {
    let value = value.trim();
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => value.split_at(at),
        None => (value, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => {
            return Err(format!(
                "`{value}`: expected seconds, e.g. 90, 90s, 5m or 1h"
            ))
        }
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 => Ok(std::time::Duration::from_secs(n.saturating_mul(scale))),
        _ => Err(format!(
            "`{value}`: expected a positive duration, e.g. 90, 90s, 5m or 1h"
        )),
    }
}

#[cfg(test)]
mod timeout_tests {
    use super::parse_timeout;
    use std::time::Duration;

    #[test]
    fn parses_registry_timeouts() {
        assert_eq!(parse_timeout("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_timeout("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["0", "", "s", "-1", "1.5", "3d", "m5"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
