//! `sbomctl attest --key KEY --images FILE`: keep every listed image's SBOM
//! attestation current. Per image: catalog, verify the attestations already
//! stored with the same key, and sign and push a new one only when none of
//! them is the statement this run would sign (see [`statement_matches`]);
//! a summary (`summary.json` under `--output-dir`, a table on stderr)
//! says what was attested, skipped or failed and why. The list, sharding,
//! `--parallel`, the summary file, the exit code and the layer cache
//! (`--cache-dir`, `--no-cache`: one cache for every worker) are fleet
//! scanning's (cli/src/commands/fleet.rs).

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use sbomctl_attest::attach::Origin;
use sbomctl_attest::intoto::Statement;
use sbomctl_attest::verify::candidates;
use sbomctl_attest::verify::Verifier;
use sbomctl_oci::quote;
use sbomctl_oci::target::StoredImage;
use serde::Serialize;
use serde_json::Value;

use crate::args::{AttestArgs, Global};
use crate::commands::attest::{self, Plan, Prepared};
use crate::commands::fleet::{self, Entry, Shard};
use crate::commands::image;

/// What happened to one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new attestation was signed and pushed.
    Attested,
    /// A verified attestation already matched: nothing was pushed.
    Skipped,
    /// The image failed (the others went on).
    Failed,
}

/// One image's line in the summary.
#[derive(Debug, Serialize)]
pub struct AttestResult {
    /// Line of the list.
    pub line: usize,
    /// The reference as written (control characters escaped).
    pub reference: String,
    /// The subject digest, when the image was opened.
    pub digest: Option<String>,
    /// Attested, skipped or failed.
    pub action: Action,
    /// Why (attested: what was missing or different; skipped: which
    /// stored attestation matched; failed: the error), one line.
    pub reason: String,
    /// Where new attestations went (`referrer DIGEST`, `TAG layer
    /// DIGEST`).
    pub stored: Vec<String>,
    /// Wall time of this image, seconds.
    pub seconds: f64,
}

/// `summary.json` of `attest --images`.
#[derive(Debug, Serialize)]
pub struct AttestSummary {
    /// The shard this run worked on.
    pub shard: Shard,
    /// Images in this shard.
    pub images: usize,
    /// Images given a new attestation.
    pub attested: usize,
    /// Images whose attestation was current.
    pub skipped: usize,
    /// Images that failed.
    pub failed: usize,
    /// Per image, in list order.
    pub results: Vec<AttestResult>,
}

pub fn run(args: &AttestArgs, global: &Global) -> Result<ExitCode> {
    if args.key.is_none() {
        bail!(
            "attest --images needs --key: keyless fleet attestation is not supported (a Fulcio certificate lasts about ten minutes, shorter than a fleet run, and deciding what to skip needs the identity flags of verify-attestation)"
        );
    }
    if args.predicate.is_some() {
        bail!("attest --images catalogs each image: --predicate attests one document and applies to one image only");
    }
    let (shard, entries) = fleet::shard_entries(&args.fleet)?;
    let plan = Plan::new(args)?;
    let Some(key) = &plan.key else {
        bail!("attest --images needs --key");
    };
    let verifier = Verifier::key(key.public_key());
    if let Some(dir) = &args.fleet.output_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating output directory {}", dir.display()))?;
    }
    let parallel = args.fleet.parallel.unwrap_or(1);
    tracing::info!(
        "attesting {} images (shard {}/{}), {parallel} at a time",
        entries.len(),
        shard.index,
        shard.count
    );
    // One layer cache (the plan's) for every worker.
    let results = fleet::run_each(&entries, parallel, |entry| {
        attest_one(entry, args, &plan, &verifier, global)
    });
    if let Some(cache) = &plan.cache {
        cache.finish();
    }
    let results = results?;
    let count = |a: Action| results.iter().filter(|r| r.action == a).count();
    let summary = AttestSummary {
        shard,
        images: results.len(),
        attested: count(Action::Attested),
        skipped: count(Action::Skipped),
        failed: count(Action::Failed),
        results,
    };
    if let Some(dir) = &args.fleet.output_dir {
        fleet::write_summary(dir, shard, &summary)?;
    }
    if !global.quiet {
        eprint!("{}", table(&summary));
    }
    Ok(fleet::exit_code(summary.failed))
}

fn attest_one(
    entry: &Entry,
    args: &AttestArgs,
    plan: &Plan,
    verifier: &Verifier<'_>,
    global: &Global,
) -> AttestResult {
    let started = Instant::now();
    let mut digest = None;
    let done = (|| -> Result<(Action, String, Vec<String>)> {
        let target = image::open_reference(&entry.reference, &args.target)?;
        digest = Some(target.digest().to_owned());
        let prepared = attest::prepare(plan, &target, global)?;
        let existing = existing(plan, &target, &prepared, verifier)?;
        let (referrer, legacy) = plan.forms();
        let need_referrer = referrer && existing.referrer.is_none();
        let need_legacy = legacy && existing.legacy.is_none();
        if !need_referrer && !need_legacy {
            let at: Vec<String> = [existing.referrer, existing.legacy]
                .into_iter()
                .flatten()
                .collect();
            return Ok((
                Action::Skipped,
                format!("current: {}", at.join(", ")),
                Vec::new(),
            ));
        }
        let stored = attest::store(plan, args, &target, &prepared, need_referrer, need_legacy)?;
        Ok((Action::Attested, existing.why, stored))
    })();
    let (action, reason, stored) = match done {
        Ok(done) => done,
        Err(e) => (Action::Failed, format!("{e:#}"), Vec::new()),
    };
    AttestResult {
        line: entry.line,
        reference: quote::escape(&entry.reference),
        digest,
        action,
        reason: quote::line(&reason),
        stored,
        seconds: fleet::seconds_since(started),
    }
}

/// The stored attestations that already say what this run would sign.
struct Existing {
    /// A matching bundle referrer.
    referrer: Option<String>,
    /// A matching `.att` layer.
    legacy: Option<String>,
    /// Why a new one is needed, when one is.
    why: String,
}

/// Verifies every attestation stored for the image with the run's key (the
/// predicate type must be the run's; the subject, the image's digest) and
/// keeps, per storage form, one whose statement matches.
fn existing(
    plan: &Plan,
    target: &StoredImage,
    prepared: &Prepared,
    verifier: &Verifier<'_>,
) -> Result<Existing> {
    let outcome = candidates::verify_attestations(
        target.store.as_ref(),
        &prepared.digest,
        verifier,
        &plan.type_,
    )?;
    let mut found = Existing {
        referrer: None,
        legacy: None,
        why: String::new(),
    };
    let mut rendered = HashMap::new();
    for passed in &outcome.passed {
        if !statement_matches(plan, prepared, &passed.verified.statement, &mut rendered)? {
            continue;
        }
        match &passed.origin {
            Origin::Referrer { manifest } => {
                found.referrer.get_or_insert(format!("referrer {manifest}"));
            }
            Origin::LegacyLayer { tag, digest, .. } => {
                found.legacy.get_or_insert(format!("{tag} layer {digest}"));
            }
            Origin::Referrers { .. } | Origin::Tag { .. } => {}
        }
    }
    let matched = usize::from(found.referrer.is_some()) + usize::from(found.legacy.is_some());
    found.why = if outcome.checked() == 0 && outcome.not_checked == 0 {
        "no attestation stored".to_owned()
    } else if outcome.passed.is_empty() {
        format!(
            "none of the {} stored attestation(s) of this type verifies with the key",
            outcome.checked()
        )
    } else if matched == 0 {
        format!(
            "the SBOM differs from the {} verified attestation(s)",
            outcome.passed.len()
        )
    } else {
        "a matching attestation is missing in one storage form".to_owned()
    };
    if outcome.not_checked > 0 {
        found.why.push_str(&format!(
            " ({} more not checked: the candidate limit of {})",
            outcome.not_checked, outcome.limit
        ));
    }
    Ok(found)
}

/// Whether a verified stored statement says what this run would sign: equal
/// as JSON (`_type`, subject name and digest, predicate type, predicate),
/// after the SBOM is rendered again at the stored document's creation time
/// (SPDX `creationInfo.created`, CycloneDX `metadata.timestamp`, the SPDX
/// tag-value `Created:` line) so that only the timestamps, which are "now"
/// without `SOURCE_DATE_EPOCH`, are not compared. `rendered` keeps each
/// re-rendering by creation time.
fn statement_matches(
    plan: &Plan,
    prepared: &Prepared,
    stored: &Statement,
    rendered: &mut HashMap<String, Statement>,
) -> Result<bool> {
    if *stored == prepared.statement {
        return Ok(true);
    }
    let Some(created) = created_of(&plan.type_, &stored.predicate) else {
        return Ok(false);
    };
    if !rendered.contains_key(created) {
        let Some(statement) = prepared.statement_at(plan, created) else {
            return Ok(false);
        };
        rendered.insert(created.to_owned(), statement?);
    }
    Ok(rendered.get(created) == Some(stored))
}

/// The creation time of an SBOM predicate sbomctl writes, when it has the
/// form sbomctl writes (`YYYY-MM-DDTHH:MM:SSZ`).
fn created_of<'a>(type_: &str, predicate: &'a Value) -> Option<&'a str> {
    let created = match type_ {
        "spdxjson" => predicate.pointer("/creationInfo/created")?.as_str()?,
        "cyclonedx" => predicate.pointer("/metadata/timestamp")?.as_str()?,
        "spdx" => predicate
            .as_str()?
            .lines()
            .find_map(|l| l.strip_prefix("Created: "))?
            .trim_end(),
        _ => return None,
    };
    is_utc_seconds(created).then_some(created)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_utc_seconds(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The table printed on stderr.
fn table(summary: &AttestSummary) -> String {
    let rows: Vec<Vec<String>> = summary
        .results
        .iter()
        .map(|r| {
            let action = match r.action {
                Action::Attested => "attested",
                Action::Skipped => "skipped",
                Action::Failed => "failed",
            };
            fleet::row(
                &r.reference,
                r.digest.as_deref(),
                vec![action.to_owned()],
                r.seconds,
                &r.reason,
            )
        })
        .collect();
    let mut out = fleet::render_table(&["IMAGE", "DIGEST", "ACTION", "TIME", "REASON"], &rows);
    out.push_str(&format!(
        "{} images: {} attested, {} skipped, {} failed\n",
        summary.images, summary.attested, summary.skipped, summary.failed
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_creation_time_of_each_sbom_type() {
        let spdx = serde_json::json!({"creationInfo": {"created": "2023-11-14T22:13:20Z"}});
        assert_eq!(created_of("spdxjson", &spdx), Some("2023-11-14T22:13:20Z"));
        let cdx = serde_json::json!({"metadata": {"timestamp": "2023-11-14T22:13:20Z"}});
        assert_eq!(created_of("cyclonedx", &cdx), Some("2023-11-14T22:13:20Z"));
        let tv = Value::String("SPDXVersion: SPDX-2.2\nCreated: 2023-11-14T22:13:20Z\n".into());
        assert_eq!(created_of("spdx", &tv), Some("2023-11-14T22:13:20Z"));
        let odd = serde_json::json!({"creationInfo": {"created": "2023-11-14T22:13:20+01:00"}});
        assert_eq!(created_of("spdxjson", &odd), None);
        assert_eq!(created_of("custom", &spdx), None);
    }
}
