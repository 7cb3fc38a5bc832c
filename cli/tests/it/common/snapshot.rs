//! One snapshot-able text of a run of the real binary: its exit code,
//! stdout and stderr, with what depends on the machine or the run
//! replaced by placeholders.
//!
//! Redactions are narrow on purpose: a placeholder that hides a real
//! difference makes a test that cannot fail. So only these are generic:
//! - the repository root (`[ROOT]`: each worktree has its own),
//! - temporary directories made by `tempfile` (`[TMP]`: `$TMPDIR/.tmpXXXXXX`),
//! - ports on 127.0.0.1 (`127.0.0.1:[PORT]`: registries and proxies take
//!   free ports).
//!
//! Anything else a test knows to vary (a digest over a signature made with
//! a freshly generated key, a second address that must stay told apart)
//! is named by the test with [`Transcript::name`], value by value, so
//! every other byte is compared.

use std::process::Output;

/// Builds the text of one run; see the module docs.
pub struct Transcript<'a> {
    out: &'a Output,
    names: Vec<(String, String)>,
    stdout: Option<String>,
    /// Number the digests not named and not listed here.
    numbered_except: Option<Vec<String>>,
}

impl<'a> Transcript<'a> {
    /// The run `out`, with the generic redactions only.
    pub fn of(out: &'a Output) -> Transcript<'a> {
        Transcript {
            out,
            names: Vec::new(),
            stdout: None,
            numbered_except: None,
        }
    }

    /// Replaces every occurrence of `value` by `placeholder` (before the
    /// generic redactions, so a named address wins over `[PORT]`).
    pub fn name(mut self, value: impl Into<String>, placeholder: &str) -> Transcript<'a> {
        let value = value.into();
        assert!(
            !value.is_empty(),
            "naming the empty string as {placeholder}"
        );
        self.names.push((value, placeholder.to_owned()));
        self
    }

    /// Replaces every `sha256:<64 hex>` digest, except those in `keep` and
    /// those named, by `[DIGEST-n]`, numbered in order of first appearance
    /// (the same digest gets the same number, so which message names which
    /// object is still compared). For digests over signatures made with
    /// freshly generated keys, about images on a random port.
    pub fn number_digests_except(mut self, keep: &[&str]) -> Transcript<'a> {
        self.numbered_except = Some(keep.iter().map(|&k| k.to_owned()).collect());
        self
    }

    /// Shows `summary` in place of stdout (for data the test checks
    /// otherwise, e.g. a whole SBOM document).
    pub fn stdout_as(mut self, summary: impl Into<String>) -> Transcript<'a> {
        self.stdout = Some(summary.into());
        self
    }

    /// `exit: N`, then the `--- stdout ---` and `--- stderr ---` sections.
    pub fn render(&self) -> String {
        let code = self
            .out
            .status
            .code()
            .map_or_else(|| format!("{:?}", self.out.status), |c| c.to_string());
        let stdout = self
            .stdout
            .clone()
            .unwrap_or_else(|| String::from_utf8_lossy(&self.out.stdout).into_owned());
        let stderr = String::from_utf8_lossy(&self.out.stderr);
        let text = format!(
            "exit: {code}\n--- stdout ---\n{}--- stderr ---\n{}",
            ended(&stdout),
            ended(&stderr)
        );
        self.redact(&text)
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        // Longest first, so a value that contains another is replaced whole.
        let mut names = self.names.clone();
        names.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        for (value, placeholder) in &names {
            text = text.replace(value.as_str(), placeholder);
        }
        if let Some(keep) = &self.numbered_except {
            text = number_digests(&text, keep);
        }
        redact_generic(&text)
    }
}

/// Every `sha256:<64 hex>` in `text` but those in `keep` becomes
/// `[DIGEST-n]`.
fn number_digests(text: &str, keep: &[String]) -> String {
    const PREFIX: &str = "sha256:";
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        let after = &rest[at + PREFIX.len()..];
        let hex = after
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        let digest = &rest[at..at + PREFIX.len() + hex];
        out.push_str(&rest[..at]);
        if hex == 64 && !keep.iter().any(|k| k == digest) {
            let n = match seen.iter().position(|d| d == digest) {
                Some(i) => i + 1,
                None => {
                    seen.push(digest.to_owned());
                    seen.len()
                }
            };
            out.push_str(&format!("[DIGEST-{n}]"));
        } else {
            out.push_str(digest);
        }
        rest = &after[hex..];
    }
    out.push_str(rest);
    out
}

/// `text`, with a final newline unless it is empty.
fn ended(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n[no newline at the end]\n")
    }
}

/// The generic redactions of the module docs.
pub fn redact_generic(text: &str) -> String {
    let mut text = text.to_owned();
    let root = super::root();
    let mut roots = vec![root.display().to_string()];
    if let Ok(canonical) = root.canonicalize() {
        roots.push(canonical.display().to_string());
    }
    roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
    for r in &roots {
        text = text.replace(r.as_str(), "[ROOT]");
    }
    let tmp = std::env::temp_dir();
    let mut tmps = vec![tmp.display().to_string()];
    if let Ok(canonical) = tmp.canonicalize() {
        tmps.push(canonical.display().to_string());
    }
    for t in &tmps {
        text = redact_tempdirs(&text, &format!("{}/.tmp", t.trim_end_matches('/')));
    }
    redact_ports(&text)
}

/// `PREFIX` + six alphanumerics (tempfile's random name) becomes `[TMP]`.
fn redact_tempdirs(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let random: String = after.chars().take(6).collect();
        if random.len() == 6 && random.chars().all(|c| c.is_ascii_alphanumeric()) {
            out.push_str(&rest[..at]);
            out.push_str("[TMP]");
            rest = &after[6..];
        } else {
            out.push_str(&rest[..at + prefix.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `127.0.0.1:DIGITS` becomes `127.0.0.1:[PORT]`.
fn redact_ports(text: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(HOST) {
        let after = &rest[at + HOST.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..at + HOST.len()]);
        if digits > 0 {
            out.push_str("[PORT]");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn digests_are_numbered_by_first_appearance_except_those_kept() {
    let a = format!("sha256:{}", "a".repeat(64));
    let b = format!("sha256:{}", "b".repeat(64));
    let c = format!("sha256:{}", "c".repeat(64));
    let text = format!("{b} {a} {b} {c} sha256:abc");
    assert_eq!(
        number_digests(&text, std::slice::from_ref(&c)),
        format!("[DIGEST-1] [DIGEST-2] [DIGEST-1] {c} sha256:abc")
    );
}

#[test]
fn generic_redactions_are_narrow() {
    let tmp = std::env::temp_dir().display().to_string();
    let text = format!(
        "{tmp}/.tmpAb3dE9/signer.pub {tmp}/.tmpshort 127.0.0.1:5000/x 127.0.0.1:/y 10.0.0.1:5000"
    );
    assert_eq!(
        redact_generic(&text),
        format!("[TMP]/signer.pub {tmp}/.tmpshort 127.0.0.1:[PORT]/x 127.0.0.1:/y 10.0.0.1:5000")
    );
}
