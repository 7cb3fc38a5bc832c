//! cosign's tag-based storage: next to the image `sha256:<hex>`, an image
//! tagged `sha256-<hex>.sig` holds simple-signing signatures, `.att` DSSE
//! attestations and `.sbom` an attached SBOM. The base is the referrers
//! fallback tag ([`crate::fallback_tag`]); cosign adds the suffix
//! (<https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md>).

use std::fmt;

use crate::{digest_hex, fallback_tag};

/// Which cosign tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Suffix {
    /// `.sig`: simple-signing signatures.
    Sig,
    /// `.att`: DSSE attestations.
    Att,
    /// `.sbom`: an attached SBOM.
    Sbom,
}

impl Suffix {
    /// Every suffix.
    pub const ALL: [Suffix; 3] = [Suffix::Sig, Suffix::Att, Suffix::Sbom];

    /// `sig`, `att` or `sbom`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Suffix::Sig => "sig",
            Suffix::Att => "att",
            Suffix::Sbom => "sbom",
        }
    }
}

impl fmt::Display for Suffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tag cosign uses for `digest`: `sha256-<hex>.<suffix>`.
#[must_use]
pub fn tag(digest: &str, suffix: Suffix) -> String {
    format!("{}.{suffix}", fallback_tag(digest))
}

/// What a tag of the form `sha256-<hex>[.sig|.att|.sbom]` names: the
/// subject digest and the suffix (`None` for the referrers fallback tag
/// itself). `None` for any other tag.
#[must_use]
pub fn parse(tag: &str) -> Option<(String, Option<Suffix>)> {
    let (base, suffix) = match Suffix::ALL
        .into_iter()
        .find_map(|s| Some((tag.strip_suffix(s.as_str())?.strip_suffix('.')?, s)))
    {
        Some((base, suffix)) => (base, Some(suffix)),
        None => (tag, None),
    };
    let digest = format!("sha256:{}", base.strip_prefix("sha256-")?);
    digest_hex(&digest)?;
    Some((digest, suffix))
}

/// Whether `tag` is one of cosign's tags or a referrers fallback tag: it
/// names an artifact about an image, never an image.
#[must_use]
pub fn is_artifact_tag(tag: &str) -> bool {
    parse(tag).is_some()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const DIGEST: &str = "sha256:ea227d5120a805531632111b8f04da59b021e611c87ec877e610edbdda3f20c1";

    #[test]
    fn builds_and_parses_cosign_tags() {
        let hex = DIGEST.trim_start_matches("sha256:");
        assert_eq!(tag(DIGEST, Suffix::Att), format!("sha256-{hex}.att"));
        for suffix in Suffix::ALL {
            assert_eq!(
                parse(&tag(DIGEST, suffix)),
                Some((DIGEST.to_owned(), Some(suffix)))
            );
        }
        assert_eq!(
            parse(&fallback_tag(DIGEST)),
            Some((DIGEST.to_owned(), None))
        );
        for other in [
            "latest",
            "sha256-abc.att",
            "sha256-.sig",
            &format!("sha256-{hex}.exe"),
            &format!("sha256-{hex}sig"),
            &format!("sha512-{hex}"),
        ] {
            assert!(!is_artifact_tag(other), "{other}");
        }
    }
}
