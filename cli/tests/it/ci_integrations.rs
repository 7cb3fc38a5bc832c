//! The CI integrations shipped in the repository (the GitHub composite
//! action `.github/actions/sbomctl/action.yml` and the GitLab template
//! `ci/gitlab/sbomctl.gitlab-ci.yml`) run as their runners would run them:
//! their YAML is parsed, the `run:` / `script:` shell steps are taken out,
//! inputs and variables are put in, and bash runs them against a real
//! registry on 127.0.0.1 with this build of sbomctl first on PATH. There is
//! no GitHub or GitLab runner here, so what the runners add (expressions
//! beyond `inputs.*`, `github.action_path` and `steps.*.outputs.*`, job
//! images, services) is not exercised; an expression the harness does not
//! know fails the test instead of being skipped.
//!
//! Each integration must scan, attest and verify an image, and its verify
//! step must fail (exit 1) once the tag is moved to a tampered image that
//! carries a copy of the original's attestations.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::registry::Signing;
use common::signing::PASSWORD;
use serde_json::Value;

/// bash as GitHub runs a `shell: bash` step and GitLab a job script.
fn bash(script: &str, env: &BTreeMap<String, String>, cwd: &Path) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sbomctl")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let file = cwd.join(".step.sh");
    std::fs::write(&file, script).unwrap();
    std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .current_dir(cwd)
        .env("PATH", path)
        .env(crate::common::NO_CACHE, "true")
        .env_remove("COSIGN_PASSWORD")
        .env_remove("SBOMCTL_PASSWORD")
        .env_remove("SBOMCTL_REGISTRY_USERNAME")
        .env_remove("SBOMCTL_REGISTRY_PASSWORD")
        .env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        // No docker config of this machine's user: anonymous access.
        .env("DOCKER_CONFIG", cwd.join(".docker"))
        .envs(env)
        .output()
        .unwrap()
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(common::root().join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The composite action, run step by step as the runner does.
struct Action {
    doc: Value,
    dir: PathBuf,
    /// What the runner puts in every step's environment besides the
    /// step's `env:` (e.g. `GITHUB_WORKFLOW_REF`, and
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN` under `id-token: write`).
    runner: BTreeMap<String, String>,
}

impl Action {
    fn load() -> Action {
        let doc = yaml(".github/actions/sbomctl/action.yml");
        assert_eq!(doc["runs"]["using"], "composite");
        Action {
            doc,
            dir: common::root().join(".github/actions/sbomctl"),
            runner: BTreeMap::new(),
        }
    }

    /// Replaces `${{ ... }}` expressions: `inputs.NAME` (given, else the
    /// input's default), `github.action_path`, `steps.ID.outputs.NAME`.
    fn expand(
        &self,
        value: &str,
        inputs: &BTreeMap<&str, String>,
        outputs: &BTreeMap<String, String>,
    ) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("unclosed ${{") + start;
            let expr = rest[start + 3..end].trim();
            let replaced = if let Some(name) = expr.strip_prefix("inputs.") {
                let declared = &self.doc["inputs"][name];
                assert!(declared.is_object(), "undeclared input {name}");
                inputs.get(name).cloned().unwrap_or_else(|| {
                    assert_ne!(
                        declared["required"], true,
                        "required input {name} not given"
                    );
                    declared["default"].as_str().unwrap_or("").to_owned()
                })
            } else if expr == "github.action_path" {
                self.dir.display().to_string()
            } else if expr.starts_with("steps.") {
                outputs.get(expr).cloned().unwrap_or_default()
            } else {
                panic!("expression the test does not know: {expr}")
            };
            out.push_str(&replaced);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// Runs the steps (all, or only `only`) in `cwd`; stops at the first
    /// failing step and returns its output, else the last one's.
    fn run(&self, inputs: &BTreeMap<&str, String>, only: Option<&str>, cwd: &Path) -> Output {
        for name in self.doc["inputs"].as_object().unwrap().keys() {
            assert!(
                inputs.contains_key(name.as_str()) || self.doc["inputs"][name]["required"] != true,
                "required input {name} not given"
            );
        }
        let mut outputs = BTreeMap::new();
        let mut last = None;
        for step in self.doc["runs"]["steps"].as_array().unwrap() {
            let id = step["id"].as_str().unwrap();
            if only.is_some_and(|o| o != id) {
                continue;
            }
            assert_eq!(step["shell"], "bash", "step {id}");
            assert!(step.get("if").is_none(), "step {id}: `if` is not run here");
            let run = step["run"].as_str().unwrap();
            assert!(
                !run.contains("${{"),
                "step {id}: expressions go through env:, not into run:"
            );
            let files = cwd.join(".github-files");
            std::fs::create_dir_all(&files).unwrap();
            let output_file = files.join(format!("{id}.output"));
            std::fs::write(&output_file, "").unwrap();
            let mut env = self.runner.clone();
            env.extend([
                (
                    "GITHUB_OUTPUT".to_owned(),
                    output_file.display().to_string(),
                ),
                (
                    "GITHUB_PATH".to_owned(),
                    files.join("path").display().to_string(),
                ),
                (
                    "GITHUB_ENV".to_owned(),
                    files.join("env").display().to_string(),
                ),
                (
                    "GITHUB_ACTION_PATH".to_owned(),
                    self.dir.display().to_string(),
                ),
                ("RUNNER_TEMP".to_owned(), files.display().to_string()),
            ]);
            if let Some(vars) = step["env"].as_object() {
                for (k, v) in vars {
                    env.insert(
                        k.clone(),
                        self.expand(v.as_str().unwrap(), inputs, &outputs),
                    );
                }
            }
            let out = bash(run, &env, cwd);
            if !out.status.success() {
                return out;
            }
            for line in std::fs::read_to_string(&output_file).unwrap().lines() {
                let (k, v) = line.split_once('=').expect("NAME=VALUE in GITHUB_OUTPUT");
                outputs.insert(format!("steps.{id}.outputs.{k}"), v.to_owned());
            }
            last = Some(out);
        }
        last.expect("no step ran")
    }
}

/// The GitLab template: a job extending one of its hidden jobs.
struct Template {
    doc: Value,
}

impl Template {
    fn load() -> Template {
        Template {
            doc: yaml("ci/gitlab/sbomctl.gitlab-ci.yml"),
        }
    }

    /// `job` with its `extends` chain merged as GitLab does (hashes merged
    /// key by key, the extending job winning; other values replaced).
    fn resolve(&self, job: &str) -> Value {
        let own = self.doc[job].clone();
        assert!(own.is_object(), "no job {job}");
        let Some(parent) = own["extends"].as_str() else {
            return own;
        };
        let mut merged = self.resolve(parent);
        merge(&mut merged, own);
        merged.as_object_mut().unwrap().remove("extends");
        merged
    }

    /// Runs `before_script` and `script` of `job` in one bash, as the
    /// runner does, with the job's variables overridden by `variables` (the
    /// consumer's job) and `$VAR` references in values expanded.
    fn run(&self, job: &str, variables: &BTreeMap<&str, String>, cwd: &Path) -> Output {
        self.run_with_id_tokens(job, variables, cwd, &|aud| {
            panic!("{job} asks for an ID token (aud {aud}) the test does not mint")
        })
    }

    /// [`Template::run`], with each of the job's `id_tokens` (`NAME: {aud:
    /// AUD}`) set as GitLab does: variable NAME holds a token `mint(AUD)`.
    fn run_with_id_tokens(
        &self,
        job: &str,
        variables: &BTreeMap<&str, String>,
        cwd: &Path,
        mint: &dyn Fn(&str) -> String,
    ) -> Output {
        let resolved = self.resolve(job);
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in resolved["variables"].as_object().unwrap() {
            vars.insert(k.clone(), v.as_str().unwrap().to_owned());
        }
        for (k, v) in variables {
            vars.insert((*k).to_owned(), v.clone());
        }
        let known = vars.clone();
        for v in vars.values_mut() {
            *v = expand_vars(v, &known);
        }
        if let Some(tokens) = resolved["id_tokens"].as_object() {
            for (name, spec) in tokens {
                let aud = spec["aud"].as_str().expect("id_tokens NAME: aud: AUD");
                vars.insert(name.clone(), mint(aud));
            }
        }
        let mut script = String::new();
        for part in ["before_script", "script"] {
            for line in resolved[part].as_array().unwrap() {
                script.push_str(line.as_str().unwrap());
                script.push('\n');
            }
        }
        bash(&script, &vars, cwd)
    }
}

fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// GitLab's expansion of `$NAME` / `${NAME}` in variable values.
fn expand_vars(value: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = &value[i + 1..];
        let (name, skip) = if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').unwrap();
            (&inner[..end], end + 2)
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], end)
        };
        out.push_str(vars.get(name).map_or("", String::as_str));
        for _ in 0..skip {
            chars.next();
        }
    }
    out
}

/// Moves `repo:tag` to a tampered image and copies the original's
/// attestations to it: the `.att` image and the referrers fallback index,
/// now tagged for the tampered digest. Returns the tampered digest.
fn tamper(signing: &Signing, repo: &str, tag: &str, original: &str, scratch: &Path) -> String {
    let layout = scratch.join(format!("tampered-{}", repo.replace('/', "-")));
    std::fs::create_dir_all(&layout).unwrap();
    sbomctl_testutil::write_oci_layout(&layout, &[&[("etc/hostname", b"tampered\n")]]);
    let tampered = signing
        .server
        .push_oci_layout(&layout, &format!("{repo}:{tag}"));
    assert_ne!(tampered, original);
    let from = original.replace(':', "-");
    let to = tampered.replace(':', "-");
    for (src, dst) in [(format!("{from}.att"), format!("{to}.att")), (from, to)] {
        let (bytes, media_type) = signing.raw.manifest(repo, &src);
        signing.raw.push_manifest(repo, &dst, &bytes, &media_type);
    }
    tampered
}

/// The verifier saw the copied attestations (the `.att` layer and the
/// referrer listed in the copied fallback index) and rejected each for
/// being about another image, rather than finding nothing.
fn assert_copied_attestations_rejected(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("referrer subject") && stderr.contains(".att layer"),
        "{}",
        text(out)
    );
}

#[test]
fn github_action_attests_and_verifies_and_rejects_a_tampered_image() {
    let signing = Signing::start(false);
    let pushed = signing.push_sample("alpine-sample-oci", "gh/app:1");
    let work = tempfile::tempdir().unwrap();
    let action = Action::load();
    let by_digest = format!("{}/gh/app@{}", signing.addr(), pushed.digest);

    // The key as PEM text (a secret), the public key as a file.
    let inputs = BTreeMap::from([
        ("image", by_digest.clone()),
        ("key", std::fs::read_to_string(&signing.keys.key).unwrap()),
        ("key-password", PASSWORD.to_owned()),
        ("public-key", signing.keys.public.clone()),
    ]);
    let out = action.run(&inputs, None, work.path());
    assert!(out.status.success(), "{}", text(&out));
    let outputs = std::fs::read_to_string(work.path().join(".github-files/scan.output")).unwrap();
    assert_eq!(outputs, "sbom=sbom.spdxjson.json\n");
    let sbom: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("sbom.spdxjson.json")).unwrap())
            .unwrap();
    assert!(
        sbom["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "musl"),
        "the SBOM lists alpine's packages"
    );
    let verified = std::fs::read(work.path().join("sbomctl-verified.json")).unwrap();
    assert!(!verified.is_empty());
    // --attach-mode both (the default input): the .att image for cosign 2
    // and the referrer (fallback index on this registry) for cosign 3.
    let hex = pushed.digest.replace(':', "-");
    assert!(signing
        .raw
        .manifest_if_exists("gh/app", &format!("{hex}.att"))
        .is_some());
    assert!(signing.raw.manifest_if_exists("gh/app", &hex).is_some());
    // No key material left behind.
    let leftovers: Vec<_> = std::fs::read_dir(work.path().join(".github-files"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("sbomctl-key"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The verify step alone, by tag: passes before, fails after the tamper.
    let by_tag = BTreeMap::from([
        ("image", pushed.image.clone()),
        ("key", String::new()),
        (
            "public-key",
            std::fs::read_to_string(&signing.keys.public).unwrap(),
        ),
    ]);
    let out = action.run(&by_tag, Some("verify"), work.path());
    assert!(out.status.success(), "{}", text(&out));
    tamper(&signing, "gh/app", "1", &pushed.digest, work.path());
    let out = action.run(&by_tag, Some("verify"), work.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_copied_attestations_rejected(&out);

    // Another signer's public key fails too.
    let other = BTreeMap::from([
        ("image", by_digest),
        ("key", String::new()),
        ("public-key", signing.keys.other_public.clone()),
    ]);
    let out = action.run(&other, Some("verify"), work.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn gitlab_template_attests_and_verifies_and_rejects_a_tampered_image() {
    let signing = Signing::start(false);
    let pushed = signing.push_sample("alpine-sample-oci", "gl/app:1");
    let work = tempfile::tempdir().unwrap();
    let template = Template::load();
    // Only hidden jobs: including the template adds no job.
    for name in template.doc.as_object().unwrap().keys() {
        assert!(name.starts_with('.'), "visible job {name} in the template");
    }
    // COSIGN_KEY is a File variable: GitLab gives its path.
    let variables = BTreeMap::from([
        (
            "SBOMCTL_CI_IMAGE",
            format!("{}/gl/app@{}", signing.addr(), pushed.digest),
        ),
        ("COSIGN_KEY", signing.keys.key.clone()),
        ("COSIGN_PASSWORD", PASSWORD.to_owned()),
        ("SBOMCTL_CI_PUBLIC_KEY", signing.keys.public.clone()),
        ("SBOMCTL_CI_TYPE", "cyclonedx".to_owned()),
    ]);
    let out = template.run(".sbomctl-attest", &variables, work.path());
    assert!(out.status.success(), "{}", text(&out));
    let sbom: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("sbom.json")).unwrap()).unwrap();
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert!(!std::fs::read(work.path().join("sbomctl-verified.json"))
        .unwrap()
        .is_empty());

    let verify = |image: &str, public: &str| {
        let vars = BTreeMap::from([
            ("SBOMCTL_CI_IMAGE", image.to_owned()),
            ("SBOMCTL_CI_PUBLIC_KEY", public.to_owned()),
            ("SBOMCTL_CI_TYPE", "cyclonedx".to_owned()),
        ]);
        template.run(".sbomctl-verify", &vars, work.path())
    };
    let out = verify(&pushed.image, &signing.keys.public);
    assert!(out.status.success(), "{}", text(&out));
    let out = verify(&pushed.image, &signing.keys.other_public);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    tamper(&signing, "gl/app", "1", &pushed.digest, work.path());
    let out = verify(&pushed.image, &signing.keys.public);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_copied_attestations_rejected(&out);

    // Without SBOMCTL_CI_IMAGE the job stops with a message, before sbomctl.
    let out = template.run(".sbomctl-verify", &BTreeMap::new(), work.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SBOMCTL_CI_IMAGE is not set"));
}

/// The `.att` layer of `digest` in `repo` is a keyless one: a Fulcio
/// certificate and a Rekor bundle in its annotations.
fn assert_keyless_att(signing: &Signing, repo: &str, digest: &str) {
    let att = signing
        .raw
        .manifest_json(repo, &format!("{}.att", digest.replace(':', "-")));
    let annotations = att["layers"][0]["annotations"].as_object().unwrap();
    for key in [
        "dev.sigstore.cosign/certificate",
        "dev.sigstore.cosign/bundle",
    ] {
        assert!(annotations.contains_key(key), "{key}: {annotations:?}");
    }
}

/// verify-attestation's output in `dir` (the verified DSSE envelopes, one
/// a line, as cosign): each an in-toto statement of `predicate_type`.
fn assert_verified(dir: &Path, predicate_type: &str) {
    use base64::Engine as _;
    let text = std::fs::read_to_string(dir.join("sbomctl-verified.json")).unwrap();
    assert!(!text.is_empty());
    for line in text.lines() {
        let envelope: Value = serde_json::from_str(line).unwrap();
        let payload = base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap();
        let statement: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(statement["predicateType"], predicate_type, "{line}");
    }
}

#[test]
fn github_action_attests_keylessly_and_verifies_the_workflow_identity() {
    let s = crate::keyless_sign::services();
    let signing = Signing::start(false);
    let pushed = signing.push_sample("alpine-sample-oci", "ghk/app:1");
    let work = tempfile::tempdir().unwrap();
    let workflow_ref = "example/app/.github/workflows/release.yml@refs/heads/main";
    let identity = format!("https://github.com/{workflow_ref}");
    let mut action = Action::load();
    // `permissions: id-token: write`: the runner's token request endpoint
    // (the test server's, which issues tokens for the `sub` it is given,
    // as GitHub's for the workflow) and the workflow's identity.
    action.runner = BTreeMap::from([
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL".to_owned(),
            format!("{}/github/token?api-version=2.0&sub={identity}", s.url()),
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".to_owned(),
            "github-actions-request-token".to_owned(),
        ),
        (
            "GITHUB_SERVER_URL".to_owned(),
            "https://github.com".to_owned(),
        ),
        ("GITHUB_WORKFLOW_REF".to_owned(), workflow_ref.to_owned()),
    ]);
    let root = s.trusted_root().display().to_string();
    // No key inputs; the services by cosign 2's URL flags; the identity
    // left to its default (this workflow's).
    let inputs = BTreeMap::from([
        (
            "image",
            format!("{}/ghk/app@{}", signing.addr(), pushed.digest),
        ),
        ("fulcio-url", s.url().to_owned()),
        ("rekor-url", s.url().to_owned()),
        ("timestamp-server-url", s.tsa_url()),
        ("trusted-root", root.clone()),
        ("certificate-oidc-issuer", s.issuer()),
    ]);
    let out = action.run(&inputs, None, work.path());
    assert!(out.status.success(), "{}", text(&out));
    assert_keyless_att(&signing, "ghk/app", &pushed.digest);
    assert!(signing
        .raw
        .manifest_if_exists("ghk/app", &pushed.digest.replace(':', "-"))
        .is_some());
    assert_verified(work.path(), "https://spdx.dev/Document");

    // The verify step alone, by tag.
    let verify = |action: &Action, identity: Option<&str>| {
        let mut inputs = BTreeMap::from([
            ("image", pushed.image.clone()),
            ("trusted-root", root.clone()),
            ("certificate-oidc-issuer", s.issuer()),
        ]);
        if let Some(identity) = identity {
            inputs.insert("certificate-identity", identity.to_owned());
        }
        action.run(&inputs, Some("verify"), work.path())
    };
    let out = verify(&action, Some(&identity));
    assert!(out.status.success(), "{}", text(&out));
    // Another expected identity fails: given as an input, or by default in
    // another workflow.
    let other = "https://github.com/example/app/.github/workflows/other.yml@refs/heads/main";
    let out = verify(&action, Some(other));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    action.runner.insert(
        "GITHUB_WORKFLOW_REF".to_owned(),
        "example/app/.github/workflows/release.yml@refs/heads/dev".to_owned(),
    );
    let out = verify(&action, None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    action
        .runner
        .insert("GITHUB_WORKFLOW_REF".to_owned(), workflow_ref.to_owned());
    tamper(&signing, "ghk/app", "1", &pushed.digest, work.path());
    let out = verify(&action, None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_copied_attestations_rejected(&out);

    // Without `id-token: write` (no token request endpoint) and no key:
    // the attest step stops with a message, before sbomctl.
    action.runner.remove("ACTIONS_ID_TOKEN_REQUEST_URL");
    let out = action.run(&inputs, Some("attest"), work.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("permissions: id-token: write"),
        "{}",
        text(&out)
    );
}

#[test]
fn gitlab_template_attests_keylessly_and_verifies_the_pipeline_identity() {
    let s = crate::keyless_sign::services();
    let signing = Signing::start(false);
    let pushed = signing.push_sample("alpine-sample-oci", "glk/app:1");
    let work = tempfile::tempdir().unwrap();
    let template = Template::load();
    // GitLab's predefined variables: the test server's issuer stands for
    // the GitLab instance (CI_SERVER_URL, the token's issuer).
    let server = s.issuer();
    let project = format!("{server}/acme/app");
    let identity = format!("{project}//.gitlab-ci.yml@refs/heads/main");
    let predefined = |image: &str| {
        BTreeMap::from([
            ("SBOMCTL_CI_IMAGE", image.to_owned()),
            ("SBOMCTL_CI_TYPE", "cyclonedx".to_owned()),
            ("CI_SERVER_URL", server.clone()),
            ("CI_PROJECT_URL", project.clone()),
            ("CI_CONFIG_PATH", ".gitlab-ci.yml".to_owned()),
            ("CI_COMMIT_REF_NAME", "main".to_owned()),
            (
                "SBOMCTL_CI_TRUSTED_ROOT",
                s.trusted_root().display().to_string(),
            ),
        ])
    };
    // The services by a signing config (cosign 3); GitLab mints the job's
    // id_tokens (the template asks for audience sigstore, which is the one
    // Fulcio takes) for the pipeline's identity.
    let mut variables = predefined(&format!("{}/glk/app@{}", signing.addr(), pushed.digest));
    variables.insert(
        "SBOMCTL_CI_SIGNING_CONFIG",
        s.signing_config().display().to_string(),
    );
    let mint = |aud: &str| s.token(&identity, aud, 600);
    let out =
        template.run_with_id_tokens(".sbomctl-attest-keyless", &variables, work.path(), &mint);
    assert!(out.status.success(), "{}", text(&out));
    assert_keyless_att(&signing, "glk/app", &pushed.digest);
    let sbom: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("sbom.json")).unwrap()).unwrap();
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_verified(work.path(), "https://cyclonedx.org/bom");

    let verify = |extra: &[(&'static str, &str)]| {
        let mut vars = predefined(&pushed.image);
        for (k, v) in extra {
            vars.insert(k, (*v).to_owned());
        }
        template.run(".sbomctl-verify-keyless", &vars, work.path())
    };
    let out = verify(&[]);
    assert!(out.status.success(), "{}", text(&out));
    // Another expected identity fails: a tag pipeline's default, or one
    // given.
    let out = verify(&[("CI_COMMIT_TAG", "v1")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let other = format!("{server}/acme/other//.gitlab-ci.yml@refs/heads/main");
    let out = verify(&[("SBOMCTL_CI_CERTIFICATE_IDENTITY", &other)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // ... and another issuer.
    let out = verify(&[("SBOMCTL_CI_CERTIFICATE_OIDC_ISSUER", "https://gitlab.com")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    tamper(&signing, "glk/app", "1", &pushed.digest, work.path());
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_copied_attestations_rejected(&out);
}

/// Validates `doc` with the Python `jsonschema` package against the
/// vendored SchemaStore schema; returns the validator's messages.
fn schema_errors(schema: &str, doc: &Value) -> Vec<String> {
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  doc = json.load(sys.stdin)\n\
                  v = jsonschema.validators.validator_for(schema)(schema)\n\
                  for e in sorted(v.iter_errors(doc), key=str):\n\
                  \x20   print('/'.join(map(str, e.absolute_path)) + ': ' + e.message)\n";
    let mut child = std::process::Command::new(common::venv_python())
        .args(["-c", script])
        .arg(common::root().join(schema))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), doc).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "jsonschema failed to run");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn github_action_is_valid_by_the_schemastore_schema() {
    const SCHEMA: &str = "testdata/schemas/github-action/github-action.json";
    let action = Action::load();
    assert_eq!(schema_errors(SCHEMA, &action.doc), Vec::<String>::new());
    // The schema can fail: an input with an unknown key and a step without
    // `shell` (required in composite actions) are both reported.
    let mut broken = action.doc.clone();
    broken["inputs"]["image"]["requird"] = Value::Bool(true);
    broken["runs"]["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("shell");
    let errors = schema_errors(SCHEMA, &broken);
    assert!(
        errors.iter().any(|e| e.starts_with("inputs/image")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.starts_with("runs")), "{errors:?}");
}
