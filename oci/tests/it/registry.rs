//! The registry client against a real `docker-registry` on 127.0.0.1,
//! directly and behind a fault-injecting proxy.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use sbomctl_oci::auth::Keychain;
use sbomctl_oci::reference::Reference;
use sbomctl_oci::registry::{RegistryClient, RegistryOptions};
use sbomctl_oci::BlobStore;
use sbomctl_oci::Error;
use sbomctl_testutil::{
    media_type, sha256_digest, write_oci_layout, Fault, FaultProxy, Registry, TestLayout,
};

const FILES: &[(&str, &[u8])] = &[
    ("etc/os-release", b"ID=test\nVERSION_ID=1\n"),
    ("usr/share/doc/hello", b"hello from a layer\n"),
];

fn options(keychain: Keychain) -> RegistryOptions {
    RegistryOptions {
        insecure_hosts: Vec::new(),
        retries: 4,
        backoff: Duration::from_millis(5),
        keychain,
        ..RegistryOptions::default()
    }
}

fn new_client(addr: &str, repo: &str, keychain: Keychain) -> RegistryClient {
    let reference = Reference::parse(&format!("{addr}/{repo}")).unwrap();
    RegistryClient::new(&reference, &options(keychain)).unwrap()
}

fn client_with(addr: &str, repo: &str, options: &RegistryOptions) -> RegistryClient {
    let reference = Reference::parse(&format!("{addr}/{repo}")).unwrap();
    RegistryClient::new(&reference, options).unwrap()
}

/// A registry holding one single-image repository `app:1`.
fn registry_with_app() -> (Registry, TestLayout) {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[FILES]);
    let digest = registry.push_oci_layout(dir.path(), "app:1");
    assert_eq!(digest, layout.top_digest);
    (registry, layout)
}

fn env(vars: &[(&str, &str)]) -> Keychain {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    Keychain::with_env(move |name| vars.get(name).cloned())
}

fn read_all(mut reader: impl Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).unwrap();
    bytes
}

#[test]
fn fetches_manifest_by_tag_and_by_digest() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    let client = new_client(&registry.addr, "app", Keychain::anonymous());
    assert_eq!(client.describe(), format!("registry {}/app", registry.addr));

    let by_tag = client.manifest("1").unwrap();
    assert_eq!(by_tag.bytes, image.manifest);
    assert_eq!(by_tag.digest, image.digest);
    assert_eq!(by_tag.media_type, media_type::MANIFEST);

    let by_digest = client.manifest(&image.digest).unwrap();
    assert_eq!(by_digest.bytes, image.manifest);
    assert_eq!(by_digest.digest, image.digest);
    assert_eq!(by_digest.media_type, media_type::MANIFEST);
}

#[test]
fn streams_blobs_unchanged() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    let client = new_client(&registry.addr, "app", Keychain::anonymous());

    let layer = read_all(client.blob(&image.layer_digest).unwrap());
    assert_eq!(layer, image.layer);
    assert_eq!(sha256_digest(&layer), image.layer_digest);
    let config = read_all(client.blob(&image.config_digest).unwrap());
    assert_eq!(config, image.config);
}

#[test]
fn fetches_index_and_its_children() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[FILES, &[("bin/arm", b"arm\n")]]);
    registry.push_oci_layout(dir.path(), "multi/app:2");
    let client = new_client(&registry.addr, "multi/app", Keychain::anonymous());

    let index = client.manifest("2").unwrap();
    assert_eq!(index.media_type, media_type::INDEX);
    assert_eq!(index.digest, layout.top_digest);
    assert_eq!(Some(&index.bytes), layout.index.as_ref().map(|(_, b)| b));
    for image in &layout.images {
        let child = client.manifest(&image.digest).unwrap();
        assert_eq!(child.bytes, image.manifest);
        assert_eq!(child.media_type, media_type::MANIFEST);
        let layer = read_all(client.blob(&image.layer_digest).unwrap());
        assert_eq!(layer, image.layer);
    }
}

#[test]
fn missing_tag_and_blob_are_named() {
    let (registry, _layout) = registry_with_app();
    let client = new_client(&registry.addr, "app", Keychain::anonymous());

    let err = client.manifest("nope").unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "registry {}: manifest nope not found in app",
            registry.addr
        )),
        "{err}"
    );

    let missing = sha256_digest(b"not pushed");
    let err = client.blob(&missing).err().unwrap().to_string();
    assert!(
        err.contains(&format!("blob {missing} not found in app")),
        "{err}"
    );

    let missing_repo = client_with(&registry.addr, "ghost", &options(Keychain::anonymous()));
    let err = missing_repo.manifest("1").unwrap_err().to_string();
    assert!(err.contains("manifest 1 not found in ghost"), "{err}");
}

#[test]
fn digest_mismatch_is_detected() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    let proxy = FaultProxy::start(&registry.addr, Fault::CorruptBody { count: usize::MAX });
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());

    match client.manifest(&image.digest) {
        Err(Error::DigestMismatch { expected, actual }) => {
            assert_eq!(expected, image.digest);
            assert_ne!(actual, image.digest);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    // By tag, the registry's Docker-Content-Digest header gives it away.
    match client.manifest("1") {
        Err(Error::DigestMismatch { expected, .. }) => assert_eq!(expected, image.digest),
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
}

#[test]
fn transient_server_errors_are_retried() {
    let (registry, layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 500,
            count: 2,
        },
    );
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());
    let fetched = client.manifest("1").unwrap();
    assert_eq!(fetched.digest, layout.images[0].digest);
    assert_eq!(proxy.requests(), 3);
}

#[test]
fn rate_limits_and_dropped_connections_are_retried() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];

    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 429,
            count: 1,
        },
    );
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());
    assert_eq!(
        read_all(client.blob(&image.layer_digest).unwrap()),
        image.layer
    );
    assert_eq!(proxy.requests(), 2);

    let proxy = FaultProxy::start(&registry.addr, Fault::Close { count: 2 });
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());
    assert_eq!(client.manifest("1").unwrap().digest, image.digest);
    assert_eq!(proxy.requests(), 3);
}

#[test]
fn persistent_server_errors_fail_after_retries() {
    let (registry, _layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 500,
            count: usize::MAX,
        },
    );
    let options = RegistryOptions {
        retries: 2,
        ..options(Keychain::anonymous())
    };
    let client = client_with(&proxy.addr, "app", &options);
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(err.contains("fetching manifest 1 of app"), "{err}");
    assert!(err.contains("HTTP 500 Internal Server Error"), "{err}");
    assert!(err.contains("after 3 attempts"), "{err}");
    assert!(err.contains("faultproxy injected 500"), "{err}");
    assert_eq!(proxy.requests(), 3);
}

#[test]
fn client_errors_are_not_retried() {
    let (registry, _layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 400,
            count: usize::MAX,
        },
    );
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(err.contains("HTTP 400"), "{err}");
    assert!(!err.contains("attempts"), "{err}");
    assert_eq!(proxy.requests(), 1);
}

#[test]
fn connection_refused_fails_after_retries() {
    let port = sbomctl_testutil::free_port();
    let options = RegistryOptions {
        retries: 1,
        ..options(Keychain::anonymous())
    };
    let client = client_with(&format!("127.0.0.1:{port}"), "app", &options);
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(err.contains("fetching manifest 1 of app"), "{err}");
    assert!(err.contains("after 2 attempts"), "{err}");
}

fn htpasswd_registry() -> (Registry, TestLayout) {
    let registry = Registry::start_with_htpasswd("alice", "s3cret");
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[FILES]);
    registry.push_oci_layout(dir.path(), "private/app:1");
    (registry, layout)
}

#[test]
fn basic_auth_registry_without_credentials_is_unauthorized() {
    let (registry, _layout) = htpasswd_registry();
    let client = new_client(&registry.addr, "private/app", Keychain::anonymous());
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "registry {}: unauthorized to pull private/app (check credentials: none found",
            registry.addr
        )),
        "{err}"
    );
    assert!(err.contains("SBOMCTL_REGISTRY_USERNAME"), "{err}");
}

#[test]
fn basic_auth_registry_with_env_credentials_works() {
    let (registry, layout) = htpasswd_registry();
    let image = &layout.images[0];
    let keychain = env(&[
        ("SBOMCTL_REGISTRY_USERNAME", "alice"),
        ("SBOMCTL_REGISTRY_PASSWORD", "s3cret"),
    ]);
    let client = new_client(&registry.addr, "private/app", keychain);
    assert_eq!(client.manifest("1").unwrap().digest, image.digest);
    assert_eq!(
        read_all(client.blob(&image.layer_digest).unwrap()),
        image.layer
    );
}

#[test]
fn basic_auth_registry_with_docker_config_works() {
    let (registry, layout) = htpasswd_registry();
    let config = tempfile::tempdir().unwrap();
    let auth = "YWxpY2U6czNjcmV0"; // alice:s3cret
    std::fs::write(
        config.path().join("config.json"),
        format!(
            r#"{{"auths":{{"http://{}":{{"auth":"{auth}"}}}}}}"#,
            registry.addr
        ),
    )
    .unwrap();
    let keychain = Keychain::anonymous().with_config_path(config.path().join("config.json"));
    let client = new_client(&registry.addr, "private/app", keychain);
    assert_eq!(
        client.manifest("1").unwrap().digest,
        layout.images[0].digest
    );
}

#[test]
fn wrong_password_is_rejected() {
    let (registry, _layout) = htpasswd_registry();
    let keychain = env(&[
        ("SBOMCTL_REGISTRY_USERNAME", "alice"),
        ("SBOMCTL_REGISTRY_PASSWORD", "wrong"),
    ]);
    let client = new_client(&registry.addr, "private/app", keychain);
    let err = client.blob(&sha256_digest(b"x")).err().unwrap().to_string();
    assert!(
        err.contains("unauthorized to pull private/app (check credentials: the registry rejected"),
        "{err}"
    );
}

#[test]
fn bearer_token_flow_gets_and_reuses_a_token() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::BearerAuth {
            credentials: Some(("bob".into(), "tok-pass".into())),
        },
    );
    let keychain = env(&[
        ("SBOMCTL_REGISTRY_USERNAME", "bob"),
        ("SBOMCTL_REGISTRY_PASSWORD", "tok-pass"),
    ]);
    let client = new_client(&proxy.addr, "app", keychain);
    assert_eq!(client.manifest("1").unwrap().digest, image.digest);
    assert_eq!(
        read_all(client.blob(&image.layer_digest).unwrap()),
        image.layer
    );
    assert_eq!(
        client.manifest(&image.digest).unwrap().bytes,
        image.manifest
    );

    let seen = proxy.seen();
    let token_requests: Vec<&String> = seen.iter().filter(|r| r.contains("/token")).collect();
    assert_eq!(token_requests.len(), 1, "{seen:?}");
    assert_eq!(
        token_requests[0],
        "GET /token?service=faultproxy&scope=repository%3Aapp%3Apull"
    );
    // One 401, one token, then three authorized requests.
    assert_eq!(seen.len(), 5, "{seen:?}");
}

#[test]
fn bearer_token_refused_without_credentials() {
    let (registry, _layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::BearerAuth {
            credentials: Some(("bob".into(), "tok-pass".into())),
        },
    );
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(
        err.contains("unauthorized to pull app (check credentials: none found"),
        "{err}"
    );
}

#[test]
fn anonymous_bearer_tokens_work() {
    let (registry, layout) = registry_with_app();
    let proxy = FaultProxy::start(&registry.addr, Fault::BearerAuth { credentials: None });
    let client = new_client(&proxy.addr, "app", Keychain::anonymous());
    assert_eq!(
        client.manifest("1").unwrap().digest,
        layout.images[0].digest
    );
}

#[test]
fn always_unauthorized_names_the_rejected_credentials() {
    let (registry, _layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 401,
            count: usize::MAX,
        },
    );
    let keychain = env(&[
        ("SBOMCTL_REGISTRY_USERNAME", "x"),
        ("SBOMCTL_REGISTRY_PASSWORD", "y"),
    ]);
    let client = new_client(&proxy.addr, "app", keychain);
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(
        err.contains("the registry rejected the credentials"),
        "{err}"
    );
    // Anonymous try, then one with credentials; no retries on 401.
    assert_eq!(proxy.requests(), 2);
}

#[test]
fn layout_helper_writes_what_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[FILES]);
    let blob = |digest: &str| {
        std::fs::read(
            Path::new(dir.path())
                .join("blobs/sha256")
                .join(&digest[7..]),
        )
        .unwrap()
    };
    assert_eq!(blob(&layout.images[0].layer_digest), layout.images[0].layer);
    assert_eq!(blob(&layout.top_digest), layout.images[0].manifest);
}

/// Options with a short deadline, and blobs allowed no extra time.
fn short_deadline(timeout: Duration) -> RegistryOptions {
    RegistryOptions {
        timeout,
        min_blob_rate: u64::MAX,
        ..options(Keychain::anonymous())
    }
}

#[test]
fn a_trickling_registry_fails_at_the_deadline_naming_the_request() {
    let (registry, _layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Drip {
            every: Duration::from_millis(200),
            path_contains: None,
        },
    );
    let client = client_with(&proxy.addr, "app", &short_deadline(Duration::from_secs(1)));
    let err = client.manifest("1").unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "registry {}: GET /v2/app/manifests/1 timed out after 1s",
            proxy.addr
        )
    );
    // A timed-out request is not retried: its deadline is spent.
    assert_eq!(proxy.requests(), 1);
}

#[test]
fn a_trickled_blob_fails_at_its_deadline() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Drip {
            every: Duration::from_millis(200),
            path_contains: Some("/blobs/".into()),
        },
    );
    let client = client_with(&proxy.addr, "app", &short_deadline(Duration::from_secs(1)));
    // Manifests still come quickly.
    assert_eq!(client.manifest("1").unwrap().digest, image.digest);
    let err = client.blob(&image.layer_digest).err().unwrap().to_string();
    assert_eq!(
        err,
        format!(
            "registry {}: GET /v2/app/blobs/{} timed out after 1s",
            proxy.addr, image.layer_digest
        )
    );
}

#[test]
fn retries_stop_at_the_deadline() {
    let (registry, _layout) = registry_with_app();
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Status {
            status: 503,
            count: usize::MAX,
        },
    );
    // Without a deadline, 1000 retries with backoff would take hours.
    let options = RegistryOptions {
        retries: 1000,
        backoff: Duration::from_millis(100),
        ..short_deadline(Duration::from_secs(2))
    };
    let client = client_with(&proxy.addr, "app", &options);
    let err = client.manifest("1").unwrap_err().to_string();
    assert!(err.contains("fetching manifest 1 of app"), "{err}");
    assert!(err.contains("HTTP 503 Service Unavailable after"), "{err}");
    let requests = proxy.requests();
    assert!((2..100).contains(&requests), "{requests} requests");
}

#[test]
fn a_large_blob_takes_one_request() {
    // Incompressible-looking content over 1 MiB.
    let big: Vec<u8> = (0..1_500_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let files: &[(&str, &[u8])] = &[("big", &big)];
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[files]);
    registry.push_oci_layout(dir.path(), "big:1");
    let image = &layout.images[0];
    let proxy = FaultProxy::start(&registry.addr, Fault::Close { count: 0 });
    let client = new_client(&proxy.addr, "big", Keychain::anonymous());
    assert_eq!(
        read_all(client.blob(&image.layer_digest).unwrap()),
        image.layer
    );
    assert_eq!(
        read_all(client.blob(&image.config_digest).unwrap()),
        image.config
    );
    assert_eq!(
        proxy.seen(),
        vec![
            format!("GET /v2/big/blobs/{}", image.layer_digest),
            format!("GET /v2/big/blobs/{}", image.config_digest),
        ]
    );
}

#[test]
fn a_blob_body_slower_than_its_size_allows_fails_at_its_deadline() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    // Every byte trickles: the headers (a few hundred bytes) come within
    // the 5 s timeout, the body is given 1 s more for its size but would
    // take many seconds.
    let proxy = FaultProxy::start(
        &registry.addr,
        Fault::Drip {
            every: Duration::from_millis(5),
            path_contains: Some("/blobs/".into()),
        },
    );
    let options = RegistryOptions {
        timeout: Duration::from_secs(5),
        min_blob_rate: image.layer.len() as u64,
        ..options(Keychain::anonymous())
    };
    let client = client_with(&proxy.addr, "app", &options);
    let mut reader = client.blob(&image.layer_digest).unwrap();
    let mut bytes = Vec::new();
    let err = reader.read_to_end(&mut bytes).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    // 6 s: the body's deadline (the header deadline would say 5 s).
    assert_eq!(
        err.to_string(),
        format!(
            "GET /v2/app/blobs/{} timed out after 6s",
            image.layer_digest
        )
    );
    assert!(bytes.len() < image.layer.len(), "{}", bytes.len());
    assert_eq!(proxy.requests(), 1);
}

/// A server on 127.0.0.1 that answers one request with the headers of a
/// 1 MB blob and 10 bytes of it, then sends nothing until the client
/// hangs up.
fn stalling_server() -> (String, std::thread::JoinHandle<()>) {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            request.push(byte[0]);
        }
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                  Content-Length: 1000000\r\n\r\n0123456789",
            )
            .unwrap();
        // Until the client hangs up.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    (addr, server)
}

#[test]
fn a_stalled_blob_download_fails_at_the_stall_timeout() {
    let (addr, server) = stalling_server();
    // The blob's deadline is minutes away; the stall ends it after 1 s.
    let options = RegistryOptions {
        timeout: Duration::from_secs(300),
        stall_timeout: Duration::from_secs(1),
        ..options(Keychain::anonymous())
    };
    let client = client_with(&addr, "app", &options);
    let digest = sha256_digest(b"stalled");
    let mut reader = client.blob(&digest).unwrap();
    let mut bytes = Vec::new();
    let err = reader.read_to_end(&mut bytes).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(
        err.to_string(),
        format!("GET /v2/app/blobs/{digest} timed out: no data for 1s")
    );
    assert_eq!(bytes, b"0123456789");
    drop(reader);
    server.join().unwrap();
}

#[test]
fn a_manifest_listing_too_many_layers_is_refused() {
    let (registry, layout) = registry_with_app();
    let image = &layout.images[0];
    let layer = serde_json::json!({
        "mediaType": media_type::LAYER_TAR,
        "digest": image.layer_digest,
        "size": image.layer.len(),
    });
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::MANIFEST,
        "config": {"mediaType": media_type::CONFIG, "digest": image.config_digest, "size": image.config.len()},
        "layers": vec![layer; 1001],
    }))
    .unwrap();
    let client = new_client(&registry.addr, "app", Keychain::anonymous());
    let digest = sbomctl_oci::ImageStore::push_manifest(
        &client,
        &manifest,
        media_type::MANIFEST,
        Some("many"),
    )
    .unwrap();
    let err = client.manifest("many").unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "registry {}/app manifest many: lists 1001 layers; at most 1000 are accepted",
            registry.addr
        )
    );
    let err = sbomctl_oci::resolve(
        "many",
        Box::new(client),
        &digest,
        &sbomctl_oci::PlatformSpec::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("lists 1001 layers"), "{err}");
}
