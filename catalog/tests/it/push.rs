//! The write side ([`ImageStore`]) against real stores: Debian's
//! `docker-registry` (distribution 2.8, no referrers API: the tag schema
//! fallback), the in-process `ferro-oci-server` registry (the OCI 1.1
//! referrers API), and OCI layout directories.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use sbomctl_catalog::{Options, Source};
use sbomctl_oci::auth::Keychain;
use sbomctl_oci::layout::Layout;
use sbomctl_oci::reference::Reference;
use sbomctl_oci::registry::{RegistryClient, RegistryOptions};
use sbomctl_oci::{
    fallback_tag, sha256_digest, BlobStore, Descriptor, ImageStore, ReferrersSource,
};
use sbomctl_testutil::{media_type, Fault, FaultProxy, ReferrersRegistry, Registry};

const SBOM_TYPE: &str = "application/vnd.example.sbom+json";
const SIG_CONFIG: &str = "application/vnd.example.sig.config+json";
const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";

fn options(keychain: Keychain) -> RegistryOptions {
    RegistryOptions {
        insecure_hosts: Vec::new(),
        retries: 4,
        backoff: Duration::from_millis(5),
        keychain,
        ..RegistryOptions::default()
    }
}

fn client(addr: &str, repo: &str, keychain: Keychain) -> RegistryClient {
    let reference = Reference::parse(&format!("{addr}/{repo}")).unwrap();
    RegistryClient::new(&reference, &options(keychain)).unwrap()
}

fn env(vars: &[(&str, &str)]) -> Keychain {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    Keychain::with_env(move |name| vars.get(name).cloned())
}

fn alice() -> Keychain {
    env(&[
        ("SBOMCTL_REGISTRY_USERNAME", "alice"),
        ("SBOMCTL_REGISTRY_PASSWORD", "s3cret"),
    ])
}

/// An image pushed with the store's own write side.
struct Pushed {
    digest: String,
    manifest: Vec<u8>,
}

/// Pushes a one-layer image (config, layer, manifest tagged `tag`).
fn push_image(store: &dyn ImageStore, tag: &str) -> Pushed {
    let layer = b"not really a tar, but a blob all the same\n".to_vec();
    let layer_digest = store.push_blob(&layer).unwrap();
    assert_eq!(layer_digest, sha256_digest(&layer));
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    }))
    .unwrap();
    let config_digest = store.push_blob(&config).unwrap();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": media_type::MANIFEST,
        "config": {"mediaType": media_type::CONFIG, "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": media_type::LAYER_TAR, "digest": layer_digest, "size": layer.len()}],
    }))
    .unwrap();
    let digest = store
        .push_manifest(&manifest, media_type::MANIFEST, Some(tag))
        .unwrap();
    assert_eq!(digest, sha256_digest(&manifest));
    Pushed { digest, manifest }
}

/// An artifact manifest whose `subject` is `subject`, with one layer
/// holding `content` (pushed here), and its digest.
fn push_referrer(
    store: &dyn ImageStore,
    subject: &Pushed,
    artifact_type: Option<&str>,
    config_type: &str,
    content: &[u8],
    annotations: &Value,
) -> (String, Vec<u8>) {
    let empty = store.push_blob(b"{}").unwrap();
    let layer = store.push_blob(content).unwrap();
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": media_type::MANIFEST,
        "config": {"mediaType": config_type, "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/octet-stream", "digest": layer, "size": content.len()}],
        "subject": {"mediaType": media_type::MANIFEST, "digest": subject.digest, "size": subject.manifest.len()},
        "annotations": annotations,
    });
    if let Some(artifact_type) = artifact_type {
        manifest["artifactType"] = json!(artifact_type);
    }
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = store
        .push_manifest(&bytes, media_type::MANIFEST, None)
        .unwrap();
    (digest, bytes)
}

fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sorted(mut found: Vec<Descriptor>) -> Vec<Descriptor> {
    found.sort_by(|a, b| a.digest.cmp(&b.digest));
    found
}

/// Two referrers with different artifact types and annotations, listed
/// (and filtered) back; pushing one again lists it once.
fn referrers_cycle(store: &dyn ImageStore, image: &Pushed, expected: ReferrersSource) {
    let (sbom, sbom_bytes) = push_referrer(
        store,
        image,
        Some(SBOM_TYPE),
        EMPTY_TYPE,
        br#"{"spdxVersion":"SPDX-2.3"}"#,
        &json!({"org.example.kind": "sbom", "org.opencontainers.image.created": "2024-01-01T00:00:00Z"}),
    );
    // No artifactType: the config media type stands in for it.
    let (sig, sig_bytes) = push_referrer(
        store,
        image,
        None,
        SIG_CONFIG,
        b"signature bytes",
        &json!({"org.example.kind": "signature"}),
    );

    let (found, source) = store.referrers(&image.digest, None).unwrap();
    assert_eq!(source, expected);
    let mut want = vec![
        Descriptor {
            media_type: Some(media_type::MANIFEST.to_owned()),
            digest: sbom.clone(),
            size: Some(sbom_bytes.len() as u64),
            artifact_type: Some(SBOM_TYPE.to_owned()),
            platform: None,
            annotations: annotations(&[
                ("org.example.kind", "sbom"),
                ("org.opencontainers.image.created", "2024-01-01T00:00:00Z"),
            ]),
        },
        Descriptor {
            media_type: Some(media_type::MANIFEST.to_owned()),
            digest: sig.clone(),
            size: Some(sig_bytes.len() as u64),
            artifact_type: Some(SIG_CONFIG.to_owned()),
            platform: None,
            annotations: annotations(&[("org.example.kind", "signature")]),
        },
    ];
    want.sort_by(|a, b| a.digest.cmp(&b.digest));
    assert_eq!(sorted(found), want);

    let (only_sbom, source) = store.referrers(&image.digest, Some(SBOM_TYPE)).unwrap();
    assert_eq!(source, expected);
    assert_eq!(only_sbom.len(), 1);
    assert_eq!(only_sbom[0].digest, sbom);
    let (only_sig, _) = store.referrers(&image.digest, Some(SIG_CONFIG)).unwrap();
    assert_eq!(only_sig.len(), 1);
    assert_eq!(only_sig[0].digest, sig);
    let (none, _) = store
        .referrers(&image.digest, Some("application/x-nothing"))
        .unwrap();
    assert!(none.is_empty());

    // The same referrer again: still listed once.
    let again = store
        .push_manifest(&sbom_bytes, media_type::MANIFEST, None)
        .unwrap();
    assert_eq!(again, sbom);
    let (found, _) = store.referrers(&image.digest, None).unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    if expected == ReferrersSource::TagSchema {
        let index = store
            .manifest_if_exists(&fallback_tag(&image.digest))
            .unwrap()
            .unwrap();
        let index: Value = serde_json::from_slice(&index.bytes).unwrap();
        assert_eq!(index["mediaType"], media_type::INDEX);
        assert_eq!(index["manifests"].as_array().unwrap().len(), 2, "{index}");
    }

    // An image nobody refers to.
    let other = format!("sha256:{}", "0".repeat(64));
    let (found, source) = store.referrers(&other, None).unwrap();
    assert!(found.is_empty());
    assert_eq!(source, expected);
}

#[test]
fn docker_registry_referrers_use_the_tag_schema() {
    let registry = Registry::start();
    let store = client(&registry.addr, "app", Keychain::anonymous());
    let image = push_image(&store, "1");
    referrers_cycle(&store, &image, ReferrersSource::TagSchema);

    assert_eq!(store.repository_name(), format!("{}/app", registry.addr));
    assert!(store.manifest_if_exists("nope").unwrap().is_none());
    let tagged = store.manifest_if_exists("1").unwrap().unwrap();
    assert_eq!(tagged.digest, image.digest);
    assert_eq!(tagged.bytes, image.manifest);
    // A repository that does not exist is no tag either.
    let ghost = client(&registry.addr, "ghost", Keychain::anonymous());
    assert!(ghost.manifest_if_exists("1").unwrap().is_none());
}

#[test]
fn referrers_api_registry_lists_referrers_without_a_fallback_tag() {
    let registry = ReferrersRegistry::start();
    let store = client(&registry.addr, "app", Keychain::anonymous());
    let image = push_image(&store, "1");
    referrers_cycle(&store, &image, ReferrersSource::Api);
    // The registry answered OCI-Subject, so no fallback index was written.
    assert!(store
        .manifest_if_exists(&fallback_tag(&image.digest))
        .unwrap()
        .is_none());
    assert!(store.manifest_if_exists("nope").unwrap().is_none());
    assert_eq!(
        store.manifest_if_exists("1").unwrap().unwrap().digest,
        image.digest
    );
}

#[test]
fn fallback_update_keeps_foreign_entries() {
    let registry = Registry::start();
    let store = client(&registry.addr, "app", Keychain::anonymous());
    let image = push_image(&store, "1");
    // Someone else's referrer (distribution checks an index's children
    // exist), listed in a fallback index written by someone else, with a
    // field we do not know.
    let foreign = push_image(&store, "foreign");
    let foreign_entry = json!({
        "mediaType": media_type::MANIFEST,
        "digest": foreign.digest,
        "size": foreign.manifest.len(),
        "artifactType": "application/vnd.other.tool",
        "annotations": {"org.other": "kept"},
        "x-other-field": [1, 2, 3],
    });
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": media_type::INDEX,
        "manifests": [foreign_entry],
        "annotations": {"org.other.index": "also kept"},
    }))
    .unwrap();
    store
        .push_manifest(
            &index,
            media_type::INDEX,
            Some(&fallback_tag(&image.digest)),
        )
        .unwrap();

    let (ours, _) = push_referrer(
        &store,
        &image,
        Some(SBOM_TYPE),
        EMPTY_TYPE,
        b"sbom",
        &json!({}),
    );
    let updated = store
        .manifest_if_exists(&fallback_tag(&image.digest))
        .unwrap()
        .unwrap();
    let updated: Value = serde_json::from_slice(&updated.bytes).unwrap();
    let entries = updated["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{updated}");
    assert_eq!(entries[0], foreign_entry);
    assert_eq!(entries[1]["digest"], ours.as_str());
    assert_eq!(updated["annotations"]["org.other.index"], "also kept");

    let (found, source) = store.referrers(&image.digest, None).unwrap();
    assert_eq!(source, ReferrersSource::TagSchema);
    assert_eq!(found.len(), 2);
}

#[test]
fn a_fallback_tag_naming_a_manifest_is_not_overwritten() {
    let registry = Registry::start();
    let store = client(&registry.addr, "app", Keychain::anonymous());
    let image = push_image(&store, "1");
    let squatter = push_image(&store, &fallback_tag(&image.digest));
    let err = store
        .push_manifest(
            &serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": media_type::MANIFEST,
                "config": {"mediaType": EMPTY_TYPE, "digest": store.push_blob(b"{}").unwrap(), "size": 2},
                "layers": [],
                "subject": {"mediaType": media_type::MANIFEST, "digest": image.digest, "size": image.manifest.len()},
            }))
            .unwrap(),
            media_type::MANIFEST,
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an image index"), "{err}");
    assert_eq!(
        store
            .manifest_if_exists(&fallback_tag(&image.digest))
            .unwrap()
            .unwrap()
            .digest,
        squatter.digest
    );
}

#[test]
fn existing_blobs_are_not_uploaded_again() {
    let registry = Registry::start();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 500,
            count: 0,
        },
    );
    let store = client(&proxy.addr, "app", Keychain::anonymous());
    let digest = store.push_blob(b"some blob").unwrap();
    let first = proxy.seen();
    assert!(first.iter().any(|r| r.starts_with("POST ")), "{first:?}");
    assert_eq!(store.push_blob(b"some blob").unwrap(), digest);
    let second = proxy.seen()[first.len()..].to_vec();
    assert_eq!(second, vec![format!("HEAD /v2/app/blobs/{digest}")]);
    let mut read = Vec::new();
    std::io::Read::read_to_end(&mut store.blob(&digest).unwrap(), &mut read).unwrap();
    assert_eq!(read, b"some blob");
}

#[test]
fn pushes_survive_transient_server_errors() {
    let registry = Registry::start();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 500,
            count: 2,
        },
    );
    let store = client(&proxy.addr, "app", Keychain::anonymous());
    let image = push_image(&store, "1");
    push_referrer(
        &store,
        &image,
        Some(SBOM_TYPE),
        EMPTY_TYPE,
        b"x",
        &json!({}),
    );
    let direct = client(&registry.addr, "app", Keychain::anonymous());
    assert_eq!(direct.manifest("1").unwrap().digest, image.digest);
    let (found, _) = direct.referrers(&image.digest, None).unwrap();
    assert_eq!(found.len(), 1);
    // The first request failed twice and went through the third time.
    let seen = proxy.seen();
    assert_eq!(seen[0], seen[1], "{seen:?}");
    assert_eq!(seen[1], seen[2], "{seen:?}");
}

#[test]
fn htpasswd_registry_push_needs_credentials() {
    let registry = Registry::start_with_htpasswd("alice", "s3cret");
    let anonymous = client(&registry.addr, "private/app", Keychain::anonymous());
    let err = anonymous.push_blob(b"blob").unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "registry {}: unauthorized to push to private/app (check credentials: none found",
            registry.addr
        )),
        "{err}"
    );
    assert!(err.contains("SBOMCTL_REGISTRY_USERNAME"), "{err}");

    let store = client(&registry.addr, "private/app", alice());
    let image = push_image(&store, "1");
    referrers_cycle(&store, &image, ReferrersSource::TagSchema);

    let wrong = client(
        &registry.addr,
        "private/app",
        env(&[
            ("SBOMCTL_REGISTRY_USERNAME", "alice"),
            ("SBOMCTL_REGISTRY_PASSWORD", "wrong"),
        ]),
    );
    let err = wrong.push_blob(b"other").unwrap_err().to_string();
    assert!(
        err.contains(
            "unauthorized to push to private/app (check credentials: the registry rejected"
        ),
        "{err}"
    );
}

#[test]
fn bearer_push_asks_for_a_push_scope() {
    let registry = Registry::start();
    let proxy = FaultProxy::start(&registry.addr, Fault::BearerAuth { credentials: None });
    let store = client(&proxy.addr, "app", Keychain::anonymous());
    push_image(&store, "1");
    let seen = proxy.seen();
    let tokens: Vec<&String> = seen.iter().filter(|r| r.contains("/token")).collect();
    assert_eq!(
        tokens,
        vec!["GET /token?service=faultproxy&scope=repository%3Aapp%3Apull%2Cpush"],
        "{seen:?}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn scan(dir: &Path) -> (Value, Value) {
    let source = Source::parse(&format!("oci-dir:{}", dir.display())).unwrap();
    let catalog = sbomctl_catalog::catalog(&source, &Options::default()).unwrap();
    (
        serde_json::to_value(&catalog.packages).unwrap(),
        serde_json::to_value(&catalog.relationships).unwrap(),
    )
}

#[test]
fn layout_referrers_cycle_keeps_the_image_scannable() {
    let original =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/images/distroless-sample-oci");
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("layout");
    copy_dir(&original, &dir);
    let before = std::fs::read(dir.join("index.json")).unwrap();
    let before: Value = serde_json::from_slice(&before).unwrap();

    let store = Layout::open(dir.clone()).unwrap();
    assert_eq!(store.repository_name(), dir.display().to_string());
    let top = before["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = Pushed {
        manifest: store.manifest(&top).unwrap().bytes,
        digest: top,
    };
    assert!(store.manifest_if_exists("nope").unwrap().is_none());
    assert!(store
        .manifest_if_exists(&fallback_tag(&image.digest))
        .unwrap()
        .is_none());
    assert_eq!(
        store.manifest_if_exists("latest").unwrap().unwrap().digest,
        image.digest
    );

    referrers_cycle(&store, &image, ReferrersSource::TagSchema);

    // A cosign-style tag and a tagged artifact land in index.json too.
    let (sig, sig_bytes) = push_referrer(&store, &image, None, SIG_CONFIG, b"s", &json!({}));
    let sig_tag = format!("{}.sig", fallback_tag(&image.digest));
    store
        .push_manifest(&sig_bytes, media_type::MANIFEST, Some(&sig_tag))
        .unwrap();
    let (sbom, sbom_bytes) = push_referrer(
        &store,
        &image,
        Some(SBOM_TYPE),
        EMPTY_TYPE,
        b"b",
        &json!({}),
    );
    store
        .push_manifest(&sbom_bytes, media_type::MANIFEST, Some("sbom"))
        .unwrap();
    // Re-tagging replaces the entry in place.
    store
        .push_manifest(&sbom_bytes, media_type::MANIFEST, Some("sbom"))
        .unwrap();
    assert_eq!(
        store.manifest_if_exists(&sig_tag).unwrap().unwrap().digest,
        sig
    );

    let after: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entries = after["manifests"].as_array().unwrap();
    assert_eq!(
        entries[0], before["manifests"][0],
        "the image entry is untouched"
    );
    let tags: Vec<&str> = entries
        .iter()
        .map(|e| {
            e["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .unwrap()
        })
        .collect();
    let fallback = fallback_tag(&image.digest);
    assert_eq!(
        tags,
        vec!["latest", fallback.as_str(), sig_tag.as_str(), "sbom"]
    );
    assert_eq!(entries[2]["artifactType"], SIG_CONFIG);
    assert_eq!(entries[3]["artifactType"], SBOM_TYPE);
    assert_eq!(entries[3]["digest"], sbom.as_str());
    // Every blob is where the layout says, under its digest.
    for entry in std::fs::read_dir(dir.join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(entry.path()).unwrap();
        assert_eq!(sha256_digest(&bytes), format!("sha256:{name}"));
    }

    // The image still resolves and scans the same.
    assert_eq!(scan(&dir), scan(&original));
}

#[test]
fn layout_push_into_an_empty_layout() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let store = Layout::open(temp.path().to_path_buf()).unwrap();
    let image = push_image(&store, "1");
    referrers_cycle(&store, &image, ReferrersSource::TagSchema);
    let err = store
        .push_manifest(b"{}", media_type::MANIFEST, Some("../x"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("tag"), "{err}");
    let err = store
        .push_manifest(b"not json", media_type::MANIFEST, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("manifest"), "{err}");
}
