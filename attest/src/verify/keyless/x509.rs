//! Fulcio certificate chains, checked offline at a given time.
//!
//! [`verify_chain`] is a webpki-style path validation: the leaf (plus any
//! intermediates the bundle carries, which must not include a self-signed
//! root) must chain, by issuer/subject name and signature, to the root of a
//! Fulcio certificate authority of the [`TrustedRoot`] that is valid at the
//! signing time. Every certificate on the path must be valid at that time,
//! CA certificates must say so (basicConstraints, keyCertSign, pathLen), the
//! leaf must be a code-signing certificate, and no certificate may carry an
//! unknown critical extension or the CT precertificate poison.
//! [`parse_leaf`] extracts the identity (SANs, Fulcio extensions) without any
//! chain check, for [`super::identity`] and diagnostics.
//!
//! See RFC 5280 §6 and the Fulcio certificate profile
//! (<https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md>).

use const_oid::ObjectIdentifier;
use der::asn1::Utf8StringRef;
use der::{Decode as _, Encode as _, Reader as _, SliceReader};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::Certificate;

use super::trust_root::{Authority, TrustedRoot};
use crate::key::PublicKey;
use crate::{Error, Result};

/// The check name of every error from this module.
pub const CHECK: crate::verify::Check = crate::verify::Check::CertificateChain;

/// `id-kp-codeSigning` (RFC 5280 §4.2.1.12).
pub const OID_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// The embedded SCT list extension (RFC 6962 §3.3).
pub const OID_SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// The CT precertificate poison (RFC 6962 §3.1): never in a final certificate.
pub const OID_CT_POISON: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.3");
/// The Fulcio OtherName SAN for a username (`1.3.6.1.4.1.57264.1.7`, UTF8String).
pub const OID_OTHERNAME_USERNAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
/// Prefix of every Fulcio extension OID.
pub const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1.";

const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// `anyExtendedKeyUsage` (RFC 5280 §4.2.1.12).
const OID_ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// Longest path (leaf to root) tried; Fulcio paths have 2 or 3 certificates.
const MAX_DEPTH: usize = 8;

/// Most certificate signatures checked while building one path: a
/// signature's chain (hostile input) of many certificates with the same
/// names could otherwise make the depth-first search exponential.
const MAX_SIGNATURE_CHECKS: usize = 256;

/// The rules a path follows besides signatures, validity and CA flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// A Fulcio path: the leaf profile of [`check_leaf`].
    Fulcio,
    /// A path to a root the user gave (`--ca-roots`, `--certificate-chain`):
    /// the extended key usage as Go's `x509.Verify` with `KeyUsages:
    /// [codeSigning]` checks it (what cosign runs), on every certificate.
    PrivateCa,
}

fn fail(message: impl Into<String>) -> Error {
    Error::Verification {
        check: CHECK,
        message: message.into(),
    }
}

/// A subject alternative name of a leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    /// `rfc822Name`: an email address.
    Email(String),
    /// `uniformResourceIdentifier` (CI workflow identities, SPIFFE IDs).
    Uri(String),
    /// `dNSName`.
    Dns(String),
    /// `otherName` with a UTF8String value; Fulcio uses
    /// [`OID_OTHERNAME_USERNAME`] for usernames.
    OtherName {
        /// The `type-id` OID, dotted.
        oid: String,
        /// The UTF8String value.
        value: String,
    },
}

impl San {
    /// The name as a string, the way cosign compares it with
    /// `--certificate-identity`.
    #[must_use]
    pub fn value(&self) -> &str {
        match self {
            San::Email(v) | San::Uri(v) | San::Dns(v) | San::OtherName { value: v, .. } => v,
        }
    }
}

/// A Fulcio extension (`1.3.6.1.4.1.57264.1.*`) of a leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulcioExtension {
    /// The OID, dotted (`1.3.6.1.4.1.57264.1.8`).
    pub oid: String,
    /// The value as text: the raw bytes for the deprecated `.1.1`–`.1.6`
    /// (Fulcio wrote them unwrapped), the DER UTF8String's content for the
    /// others (or, if that does not decode, the raw bytes lossily).
    pub value: String,
    /// The extension's raw `extnValue` bytes.
    pub raw: Vec<u8>,
}

/// A leaf certificate's identity and validity, parsed without checking any
/// signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafCert {
    /// The certificate DER.
    pub der: Vec<u8>,
    /// `notBefore`, seconds since the epoch.
    pub not_before: i64,
    /// `notAfter`, seconds since the epoch.
    pub not_after: i64,
    /// The subject alternative names, in certificate order.
    pub sans: Vec<San>,
    /// The Fulcio extensions, in certificate order.
    pub extensions: Vec<FulcioExtension>,
    /// The SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// The subject distinguished name (RFC 4514 string; empty for Fulcio).
    pub subject: String,
    /// The issuer distinguished name (RFC 4514 string).
    pub issuer: String,
}

impl LeafCert {
    /// The value of a Fulcio extension (`oid` dotted), if present.
    #[must_use]
    pub fn extension(&self, oid: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|e| e.oid == oid)
            .map(|e| e.value.as_str())
    }

    /// The OIDC issuer the way cosign reads it: `1.3.6.1.4.1.57264.1.8`
    /// (v2, DER UTF8String) if present, else the deprecated
    /// `1.3.6.1.4.1.57264.1.1` (raw bytes).
    #[must_use]
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.extension("1.3.6.1.4.1.57264.1.8")
            .or_else(|| self.extension("1.3.6.1.4.1.57264.1.1"))
    }
}

/// A leaf certificate whose chain to a trusted Fulcio CA was verified.
#[derive(Debug, Clone)]
pub struct VerifiedCert {
    /// The leaf's identity and validity.
    pub leaf: LeafCert,
    /// The leaf's public key, which must verify the bundle's signature.
    pub public_key: PublicKey,
    /// The path, DER, leaf first, ending with the trusted root.
    pub chain: Vec<Vec<u8>>,
    /// The `uri` of the certificate authority whose root anchored the path.
    pub authority_uri: String,
}

impl VerifiedCert {
    /// `notBefore` of the leaf, seconds since the epoch.
    #[must_use]
    pub fn not_before(&self) -> i64 {
        self.leaf.not_before
    }

    /// `notAfter` of the leaf, seconds since the epoch.
    #[must_use]
    pub fn not_after(&self) -> i64 {
        self.leaf.not_after
    }

    /// The leaf's subject alternative names.
    #[must_use]
    pub fn sans(&self) -> &[San] {
        &self.leaf.sans
    }

    /// The leaf's Fulcio extensions.
    #[must_use]
    pub fn extensions(&self) -> &[FulcioExtension] {
        &self.leaf.extensions
    }

    /// The DER certificate that issued the leaf (the SCT's issuer key hash is
    /// over its SubjectPublicKeyInfo).
    #[must_use]
    pub fn issuer_der(&self) -> Option<&[u8]> {
        self.chain.get(1).map(Vec::as_slice)
    }

    /// The SubjectPublicKeyInfo DER of the certificate that issued the leaf.
    ///
    /// # Errors
    /// When the issuer certificate does not re-parse (it did during
    /// [`verify_chain`], so only on a broken invariant).
    pub fn issuer_spki_der(&self) -> Result<Vec<u8>> {
        let issuer = self
            .issuer_der()
            .ok_or_else(|| fail("the path has no issuer certificate"))?;
        Ok(Parsed::new(issuer, "issuer")?.spki_der)
    }
}

/// A certificate with the raw bytes its signature is over.
#[derive(Clone)]
pub(crate) struct Parsed {
    pub(crate) der: Vec<u8>,
    pub(crate) cert: Certificate,
    pub(crate) tbs_raw: Vec<u8>,
    pub(crate) spki_der: Vec<u8>,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    not_before: i64,
    not_after: i64,
    what: String,
}

impl Parsed {
    pub(crate) fn new(der: &[u8], what: &str) -> Result<Parsed> {
        let malformed = |e: der::Error| fail(format!("{what}: malformed certificate: {e}"));
        let cert = Certificate::from_der(der).map_err(malformed)?;
        // The signature covers the TBSCertificate bytes as sent, not a
        // re-encoding of the parsed value.
        let mut reader = SliceReader::new(der).map_err(malformed)?;
        let tbs_raw = reader
            .sequence(|r| {
                let tbs = r.tlv_bytes()?;
                r.tlv_bytes()?;
                r.tlv_bytes()?;
                Ok(tbs.to_vec())
            })
            .map_err(malformed)?;
        let tbs = &cert.tbs_certificate;
        let spki_der = tbs.subject_public_key_info.to_der().map_err(malformed)?;
        let subject_der = tbs.subject.to_der().map_err(malformed)?;
        let issuer_der = tbs.issuer.to_der().map_err(malformed)?;
        let secs = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs());
        let not_before = secs(tbs.validity.not_before)
            .map_err(|_| fail(format!("{what}: notBefore out of range")))?;
        let not_after = secs(tbs.validity.not_after)
            .map_err(|_| fail(format!("{what}: notAfter out of range")))?;
        Ok(Parsed {
            der: der.to_vec(),
            what: format!("{what} `{}`", display_name(&cert)),
            cert,
            tbs_raw,
            spki_der,
            subject_der,
            issuer_der,
            not_before,
            not_after,
        })
    }

    fn extension(&self, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.cert
            .tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|e| e.extn_id == oid)
    }

    fn decode_extension<'a, T: der::Decode<'a>>(
        &'a self,
        oid: ObjectIdentifier,
    ) -> Result<Option<T>> {
        self.extension(oid)
            .map(|e| {
                T::from_der(e.extn_value.as_bytes())
                    .map_err(|err| fail(format!("{}: malformed extension {oid}: {err}", self.what)))
            })
            .transpose()
    }

    fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    fn public_key(&self) -> Result<PublicKey> {
        PublicKey::from_spki_der(&self.spki_der)
            .map_err(|e| fail(format!("{}: unusable public key: {e}", self.what)))
    }

    /// Whether `issuer`'s key made this certificate's signature.
    fn signed_by(&self, issuer: &Parsed) -> Result<()> {
        let key = issuer.public_key()?;
        let sig = self
            .cert
            .signature
            .as_bytes()
            .ok_or_else(|| fail(format!("{}: signature has unused bits", self.what)))?;
        verify_signature(&key, &self.cert.signature_algorithm.oid, &self.tbs_raw, sig).map_err(
            |e| {
                fail(format!(
                    "{}: bad signature by `{}`: {}",
                    self.what,
                    display_name(&issuer.cert),
                    crate::verify::reason(e)
                ))
            },
        )
    }
}

fn display_name(cert: &Certificate) -> String {
    let s = cert.tbs_certificate.subject.to_string();
    if s.is_empty() {
        format!("serial {}", cert.tbs_certificate.serial_number)
    } else {
        s
    }
}

/// Verifies `sig` over `msg` with `key` for an X.509 signature algorithm
/// OID (see [`super::signature::verify`]).
pub(crate) fn verify_signature(
    key: &PublicKey,
    algorithm: &ObjectIdentifier,
    msg: &[u8],
    sig: &[u8],
) -> Result<()> {
    super::signature::verify(key, algorithm, None, msg, sig).map_err(fail)
}

/// Parses a leaf certificate's identity (SANs, Fulcio extensions) and
/// validity without checking its chain or signature.
///
/// # Errors
/// [`Error::Verification`] (check `certificate chain`) when the DER or one
/// of the read extensions is malformed.
pub fn parse_leaf(der: &[u8]) -> Result<LeafCert> {
    leaf_of(&Parsed::new(der, "leaf certificate")?)
}

fn leaf_of(p: &Parsed) -> Result<LeafCert> {
    let mut sans = Vec::new();
    if let Some(SubjectAltName(names)) =
        p.decode_extension::<SubjectAltName>(OID_SUBJECT_ALT_NAME)?
    {
        for name in names {
            match name {
                GeneralName::Rfc822Name(s) => sans.push(San::Email(s.to_string())),
                GeneralName::UniformResourceIdentifier(s) => sans.push(San::Uri(s.to_string())),
                GeneralName::DnsName(s) => sans.push(San::Dns(s.to_string())),
                GeneralName::OtherName(o) => {
                    // Only UTF8String values are identities (Fulcio's username
                    // SAN); others cannot match a textual identity anyway.
                    if let Ok(v) = o.value.decode_as::<Utf8StringRef<'_>>() {
                        sans.push(San::OtherName {
                            oid: o.type_id.to_string(),
                            value: v.as_str().to_owned(),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    let mut extensions = Vec::new();
    for ext in p
        .cert
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default()
    {
        let oid = ext.extn_id.to_string();
        let Some(arc) = oid.strip_prefix(FULCIO_ARC) else {
            continue;
        };
        let raw = ext.extn_value.as_bytes();
        let legacy = matches!(arc, "1" | "2" | "3" | "4" | "5" | "6");
        let value = if legacy {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            match Utf8StringRef::from_der(raw) {
                Ok(s) => s.as_str().to_owned(),
                Err(_) => String::from_utf8_lossy(raw).into_owned(),
            }
        };
        extensions.push(FulcioExtension {
            oid,
            value,
            raw: raw.to_vec(),
        });
    }
    Ok(LeafCert {
        der: p.der.clone(),
        not_before: p.not_before,
        not_after: p.not_after,
        sans,
        extensions,
        spki_der: p.spki_der.clone(),
        subject: p.cert.tbs_certificate.subject.to_string(),
        issuer: p.cert.tbs_certificate.issuer.to_string(),
    })
}

/// Checks what holds for every certificate on a path: valid at `at`, no
/// CT poison, no critical extension this verifier does not process.
fn check_common(p: &Parsed, at: i64) -> Result<()> {
    if at < p.not_before {
        return Err(fail(format!(
            "{} is not yet valid at {at} (notBefore {})",
            p.what, p.not_before
        )));
    }
    if at > p.not_after {
        return Err(fail(format!(
            "{} has expired at {at} (notAfter {})",
            p.what, p.not_after
        )));
    }
    for ext in p
        .cert
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default()
    {
        if ext.extn_id == OID_CT_POISON {
            return Err(fail(format!(
                "{} is a CT precertificate (poison extension present)",
                p.what
            )));
        }
        let known = [
            OID_BASIC_CONSTRAINTS,
            OID_KEY_USAGE,
            OID_EXT_KEY_USAGE,
            OID_SUBJECT_ALT_NAME,
        ];
        if ext.critical && !known.contains(&ext.extn_id) {
            return Err(fail(format!(
                "{} has an unknown critical extension {}",
                p.what, ext.extn_id
            )));
        }
    }
    Ok(())
}

fn check_leaf(p: &Parsed) -> Result<()> {
    if let Some(bc) = p.decode_extension::<BasicConstraints>(OID_BASIC_CONSTRAINTS)? {
        if bc.ca {
            return Err(fail(format!(
                "{} is a CA certificate, not a signing certificate",
                p.what
            )));
        }
    }
    match p.decode_extension::<KeyUsage>(OID_KEY_USAGE)? {
        Some(ku) if ku.digital_signature() => {}
        Some(_) => {
            return Err(fail(format!(
                "{} lacks the digitalSignature key usage",
                p.what
            )))
        }
        None => return Err(fail(format!("{} has no key usage extension", p.what))),
    }
    match p.decode_extension::<ExtendedKeyUsage>(OID_EXT_KEY_USAGE)? {
        Some(ExtendedKeyUsage(usages)) if usages.contains(&OID_CODE_SIGNING) => Ok(()),
        _ => Err(fail(format!(
            "{} lacks the code signing extended key usage (1.3.6.1.5.5.7.3.3)",
            p.what
        ))),
    }
}

/// `below` is the number of CA certificates between this one and the leaf.
fn check_ca(p: &Parsed, below: usize) -> Result<()> {
    let bc = p
        .decode_extension::<BasicConstraints>(OID_BASIC_CONSTRAINTS)?
        .ok_or_else(|| fail(format!("{} has no basicConstraints: not a CA", p.what)))?;
    if !bc.ca {
        return Err(fail(format!(
            "{} is not a CA (basicConstraints CA=false)",
            p.what
        )));
    }
    if let Some(len) = bc.path_len_constraint {
        if below > usize::from(len) {
            return Err(fail(format!(
                "{} allows {len} intermediate(s) below it, the path has {below}",
                p.what
            )));
        }
    }
    if let Some(ku) = p.decode_extension::<KeyUsage>(OID_KEY_USAGE)? {
        if !ku.key_cert_sign() {
            return Err(fail(format!("{} lacks the keyCertSign key usage", p.what)));
        }
    }
    Ok(())
}

/// Verifies that `leaf_der` chains to a Fulcio certificate authority of
/// `root` that is valid at `at` (seconds since the epoch), with every
/// certificate on the path valid at `at`.
///
/// `bundle_intermediates` are the certificates after the leaf in a v0.1/v0.2
/// bundle's `x509CertificateChain`; they are only path-building hints. A
/// self-signed certificate among them is rejected unless it is byte for byte
/// the root of a trusted authority (a bundle may not bring its own root:
/// conformance `bundle-with-root-cert_fail`; sigstore-go's v0.1 bundles carry
/// the public-good root and verify). The path must end at the last
/// certificate of an authority's `certChain`.
///
/// # Errors
/// [`Error::Verification`] with check `certificate chain`, naming what
/// failed (malformed, expired, unknown issuer, bad signature, root in the
/// bundle, missing code-signing EKU, …).
pub fn verify_chain(
    leaf_der: &[u8],
    bundle_intermediates: &[Vec<u8>],
    root: &TrustedRoot,
    at: i64,
) -> Result<VerifiedCert> {
    if leaf_der.is_empty() {
        return Err(fail("no leaf certificate (empty certificate chain)"));
    }
    let leaf = Parsed::new(leaf_der, "leaf certificate")?;
    let mut given = Vec::new();
    for (i, der) in bundle_intermediates.iter().enumerate() {
        let p = Parsed::new(der, &format!("bundle certificate {}", i + 1))?;
        if p.is_self_issued() {
            // A copy of a trusted root adds nothing (sigstore-go's v0.1
            // bundles carry the whole chain); any other root would be the
            // bundle vouching for itself.
            let trusted = root
                .certificate_authorities
                .iter()
                .any(|a| a.chain.last() == Some(der));
            if !trusted {
                return Err(fail(format!(
                    "the bundle carries a root certificate that is not in the trusted root ({})",
                    p.what
                )));
            }
            continue;
        }
        given.push(p);
    }
    check_common(&leaf, at)?;
    check_leaf(&leaf)?;

    let authorities: Vec<&Authority> = root
        .certificate_authorities
        .iter()
        .filter(|a| a.valid_for.contains(at))
        .collect();
    if authorities.is_empty() {
        return Err(fail(format!(
            "no certificate authority of the trusted root is valid at {at} \
             ({} authorities, none covering that time)",
            root.certificate_authorities.len()
        )));
    }

    let mut last_error = None;
    for authority in authorities {
        match path_through(&leaf, &given, authority, at) {
            Ok(chain) => {
                return Ok(VerifiedCert {
                    public_key: leaf.public_key()?,
                    leaf: leaf_of(&leaf)?,
                    chain,
                    authority_uri: authority.uri.clone(),
                })
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| fail("no path to a trusted root")))
}

/// A path from `leaf` to `authority`'s root, DER leaf first.
fn path_through(
    leaf: &Parsed,
    given: &[Parsed],
    authority: &Authority,
    at: i64,
) -> Result<Vec<Vec<u8>>> {
    let what = format!("certificate authority {}", authority.uri);
    let (anchor_der, ca_intermediates) = authority
        .chain
        .split_last()
        .ok_or_else(|| fail(format!("{what} has an empty certificate chain")))?;
    let anchor = Parsed::new(anchor_der, &format!("{what} root"))?;
    let mut pool = ca_intermediates
        .iter()
        .map(|der| Parsed::new(der, &format!("{what} intermediate")))
        .collect::<Result<Vec<_>>>()?;
    pool.extend(given.iter().cloned());

    let mut path: Vec<&Parsed> = vec![leaf];
    let mut first_error = None;
    let mut budget = MAX_SIGNATURE_CHECKS;
    if extend(
        &mut path,
        &pool,
        &anchor,
        at,
        Profile::Fulcio,
        &mut budget,
        &mut first_error,
    ) {
        let mut chain: Vec<Vec<u8>> = path.iter().map(|p| p.der.clone()).collect();
        chain.push(anchor.der.clone());
        return Ok(chain);
    }
    Err(first_error.unwrap_or_else(|| {
        fail(format!(
            "{}: unknown issuer `{}` (not {what} or one of its intermediates)",
            leaf.what, leaf.cert.tbs_certificate.issuer
        ))
    }))
}

/// Depth-first path building from the end of `path` to `anchor`; records
/// the first concrete failure (bad signature, expired CA, …) for the error.
fn extend<'a>(
    path: &mut Vec<&'a Parsed>,
    pool: &'a [Parsed],
    anchor: &Parsed,
    at: i64,
    profile: Profile,
    budget: &mut usize,
    first_error: &mut Option<Error>,
) -> bool {
    let Some(&current) = path.last() else {
        return false;
    };
    // Number of CAs between the next issuer and the leaf.
    let below = path.len() - 1;
    if current.issuer_der == anchor.subject_der {
        if !spend(budget, first_error) {
            return false;
        }
        let checked = current
            .signed_by(anchor)
            .and_then(|()| check_common(anchor, at))
            .and_then(|()| check_ca(anchor, below))
            .and_then(|()| check_profile(anchor, profile));
        match checked {
            Ok(()) => return true,
            Err(e) => note(first_error, e),
        }
    }
    if path.len() >= MAX_DEPTH {
        return false;
    }
    for candidate in pool {
        if candidate.subject_der != current.issuer_der
            || path.iter().any(|p| p.der == candidate.der)
        {
            continue;
        }
        if !spend(budget, first_error) {
            return false;
        }
        let checked = current
            .signed_by(candidate)
            .and_then(|()| check_common(candidate, at))
            .and_then(|()| check_ca(candidate, below))
            .and_then(|()| check_profile(candidate, profile));
        if let Err(e) = checked {
            note(first_error, e);
            continue;
        }
        path.push(candidate);
        if extend(path, pool, anchor, at, profile, budget, first_error) {
            return true;
        }
        path.pop();
    }
    false
}

/// What `profile` adds for a CA certificate on the path.
fn check_profile(p: &Parsed, profile: Profile) -> Result<()> {
    match profile {
        Profile::Fulcio => Ok(()),
        Profile::PrivateCa => check_code_signing_usage(p),
    }
}

/// Go's rule (`checkChainForKeyUsage`): a certificate without an extended
/// key usage extension allows every usage; one with it must list code
/// signing or `anyExtendedKeyUsage`.
fn check_code_signing_usage(p: &Parsed) -> Result<()> {
    match p.decode_extension::<ExtendedKeyUsage>(OID_EXT_KEY_USAGE)? {
        None => Ok(()),
        Some(ExtendedKeyUsage(usages))
            if usages.contains(&OID_CODE_SIGNING)
                || usages.contains(&OID_ANY_EXTENDED_KEY_USAGE) =>
        {
            Ok(())
        }
        Some(_) => Err(fail(format!(
            "{} has an extended key usage extension without code signing \
             (1.3.6.1.5.5.7.3.3)",
            p.what
        ))),
    }
}

/// The leaf rules of a path to a root the user gave: cosign's (Go's) code
/// signing extended key usage rule ([`check_code_signing_usage`]), and,
/// stricter than cosign, which ignores key usage, a key usage extension
/// that is present must allow digitalSignature.
fn check_private_leaf(p: &Parsed) -> Result<()> {
    if let Some(ku) = p.decode_extension::<KeyUsage>(OID_KEY_USAGE)? {
        if !ku.digital_signature() {
            return Err(fail(format!(
                "{} lacks the digitalSignature key usage",
                p.what
            )));
        }
    }
    check_code_signing_usage(p)
}

/// Verifies that `leaf_der` chains to one of `roots` (DER: the user's own
/// certificate authorities, `--ca-roots` or the last certificate of
/// `--certificate-chain`), through `intermediates` (the user's and the
/// signature's), with every certificate on the path valid at `at`.
///
/// The rules are those of cosign's `TrustedCert` (Go's `x509.Verify` with
/// the code-signing usage): signatures and names along the path, CA
/// certificates marked as CAs within their path length, the extended key
/// usage rule of Go on every certificate; and, as on Fulcio paths, no
/// unknown critical extension, no CT poison, keyCertSign on CAs that have
/// a key usage, and digitalSignature on a leaf that has one. A self-issued
/// certificate among `intermediates` is skipped (cosign drops the root a
/// signature's chain annotation ends with): only `roots` anchor a path.
///
/// # Errors
/// [`Error::Verification`] with check `certificate chain`, naming what
/// failed (malformed, expired, unknown issuer, bad signature, extended key
/// usage without code signing, …).
pub fn verify_chain_to_roots(
    leaf_der: &[u8],
    intermediates: &[Vec<u8>],
    roots: &[Vec<u8>],
    at: i64,
) -> Result<VerifiedCert> {
    if leaf_der.is_empty() {
        return Err(fail("no leaf certificate (empty certificate chain)"));
    }
    let leaf = Parsed::new(leaf_der, "leaf certificate")?;
    let mut pool = Vec::new();
    for (i, der) in intermediates.iter().enumerate() {
        let p = Parsed::new(der, &format!("intermediate certificate {}", i + 1))?;
        if !p.is_self_issued() {
            pool.push(p);
        }
    }
    check_common(&leaf, at)?;
    check_private_leaf(&leaf)?;
    if roots.is_empty() {
        return Err(fail("no root certificate to verify against"));
    }
    let mut first_error = None;
    let mut budget = MAX_SIGNATURE_CHECKS;
    for (i, der) in roots.iter().enumerate() {
        let anchor = Parsed::new(der, &format!("root certificate {}", i + 1))?;
        let mut path: Vec<&Parsed> = vec![&leaf];
        if extend(
            &mut path,
            &pool,
            &anchor,
            at,
            Profile::PrivateCa,
            &mut budget,
            &mut first_error,
        ) {
            let mut chain: Vec<Vec<u8>> = path.iter().map(|p| p.der.clone()).collect();
            chain.push(anchor.der.clone());
            return Ok(VerifiedCert {
                public_key: leaf.public_key()?,
                leaf: leaf_of(&leaf)?,
                chain,
                authority_uri: format!("root `{}`", display_name(&anchor.cert)),
            });
        }
    }
    Err(first_error.unwrap_or_else(|| missing_issuer(&leaf, &pool, roots)))
}

/// The error for a path that ends nowhere: follows issuer names from the
/// leaf through `pool` to the first certificate whose issuer is neither a
/// root nor in the pool, and names it.
fn missing_issuer(leaf: &Parsed, pool: &[Parsed], roots: &[Vec<u8>]) -> Error {
    let root_subjects: Vec<Vec<u8>> = roots
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .filter_map(|c| c.tbs_certificate.subject.to_der().ok())
        .collect();
    let mut current = leaf;
    for _ in 0..MAX_DEPTH {
        if root_subjects.contains(&current.issuer_der) {
            break;
        }
        match pool
            .iter()
            .find(|c| c.subject_der == current.issuer_der && c.der != current.der)
        {
            Some(next) => current = next,
            None => {
                return fail(format!(
                    "{}: its issuer `{}` is neither a given root nor an intermediate",
                    current.what, current.cert.tbs_certificate.issuer
                ))
            }
        }
    }
    fail(format!(
        "{}: no path to one of the {} given root certificate(s)",
        leaf.what,
        roots.len()
    ))
}

/// Takes one signature check from `budget`; `false` (with the error
/// noted) when none is left.
fn spend(budget: &mut usize, first_error: &mut Option<Error>) -> bool {
    if *budget == 0 {
        note(
            first_error,
            fail(format!(
                "no path found within {MAX_SIGNATURE_CHECKS} certificate signature checks"
            )),
        );
        return false;
    }
    *budget -= 1;
    true
}

fn note(first_error: &mut Option<Error>, e: Error) {
    if first_error.is_none() {
        *first_error = Some(e);
    }
}
