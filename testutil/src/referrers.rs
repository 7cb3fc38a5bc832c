//! An in-process registry with the OCI 1.1 referrers API: the
//! `ferro-oci-server` router (in-memory blobs and metadata) served by a
//! tokio runtime on its own thread, on 127.0.0.1.
//!
//! Debian's `docker-registry` (distribution 2.8) has no referrers API, so
//! this is what tests of the API path run against.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferro_blob_store::InMemoryBlobStore;
use ferro_oci_server::{router, AppState, InMemoryRegistryMeta};
use tokio::sync::oneshot;

/// A `ferro-oci-server` registry on `127.0.0.1:PORT`, serving the OCI
/// distribution API 1.1 with `GET /v2/<name>/referrers/<digest>` and the
/// `OCI-Subject` header on manifest pushes. Everything is in memory; it
/// stops on drop.
pub struct ReferrersRegistry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ReferrersRegistry {
    /// Starts the server on a free loopback port and waits until it answers
    /// `GET /v2/`.
    pub fn start() -> ReferrersRegistry {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("referrers-registry".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                    .expect("building a tokio runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("binding 127.0.0.1:0");
                    addr_tx
                        .send(listener.local_addr().expect("local address"))
                        .expect("reporting the address");
                    let state = AppState::new(
                        Arc::new(InMemoryBlobStore::new()),
                        Arc::new(InMemoryRegistryMeta::new()),
                    );
                    axum::serve(listener, router(state))
                        .with_graceful_shutdown(async {
                            let _ = stop_rx.await;
                        })
                        .await
                        .expect("serving the referrers registry");
                });
            })
            .expect("spawning the registry thread");
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the referrers registry did not start")
            .to_string();
        let registry = ReferrersRegistry {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        registry.wait_ready();
        registry
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Pushes an OCI layout (see [`crate::push_oci_layout`]).
    pub fn push_oci_layout(&self, layout_dir: &std::path::Path, repo_tag: &str) -> String {
        crate::push_oci_layout(layout_dir, &self.addr, repo_tag)
    }

    fn wait_ready(&self) {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(2))
            .build();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            match agent.get(&format!("{}/v2/", self.url())).call() {
                Ok(_) | Err(ureq::Error::Status(..)) => return,
                Err(ureq::Error::Transport(_)) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        panic!("the referrers registry on {} did not answer", self.addr);
    }
}

impl Drop for ReferrersRegistry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
