//! Registry credentials: from `SBOMCTL_REGISTRY_USERNAME` /
//! `SBOMCTL_REGISTRY_PASSWORD`, else from the docker config file
//! (`credHelpers`, `auths`, `credsStore`), the way `docker login` stores
//! them (<https://docs.docker.com/reference/cli/docker/login/>).
//!
//! Everything read from the environment goes through a lookup closure, so
//! tests (and callers) can inject values without touching the process
//! environment.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use base64::Engine;
use serde::Deserialize;

use crate::{Error, Result};

/// Environment variable holding the registry user name.
pub const USERNAME_ENV: &str = "SBOMCTL_REGISTRY_USERNAME";
/// Environment variable holding the registry password or token.
pub const PASSWORD_ENV: &str = "SBOMCTL_REGISTRY_PASSWORD";

/// The key `docker login` uses for Docker Hub in `auths` and helpers.
const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// A user name and password (or personal access token) for basic auth and
/// token requests.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or access token.
    pub password: String,
}

impl fmt::Debug for Credentials {
    // Never print secrets, not even in debug logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// The value of an `Authorization: Basic …` header.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// Reads one environment variable.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where credentials come from: an environment lookup and a docker config
/// file. Cheap to clone.
#[derive(Clone)]
pub struct Keychain {
    env: EnvLookup,
    config_path: Option<PathBuf>,
    token: Option<Arc<str>>,
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keychain")
            .field("config_path", &self.docker_config_path())
            .finish_non_exhaustive()
    }
}

impl Default for Keychain {
    /// [`Keychain::from_process_env`].
    fn default() -> Self {
        Keychain::from_process_env()
    }
}

impl Keychain {
    /// Reads the process environment and the docker config it points to.
    pub fn from_process_env() -> Self {
        Keychain::with_env(|name| std::env::var(name).ok())
    }

    /// Reads variables (`SBOMCTL_REGISTRY_*`, `DOCKER_CONFIG`, `HOME`,
    /// `PATH`) through `env` instead of the process environment.
    pub fn with_env(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Keychain {
            env: Arc::new(env),
            config_path: None,
            token: None,
        }
    }

    /// Never finds credentials.
    pub fn anonymous() -> Self {
        Keychain::with_env(|_| None)
    }

    /// Uses `path` as the docker config file instead of
    /// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
    #[must_use]
    pub fn with_config_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_path = Some(path.into());
        self
    }

    /// Answers every authentication challenge with `Authorization: Bearer
    /// TOKEN` instead of credentials (cosign's `--registry-token`); the
    /// environment and docker config are then not consulted, and no token
    /// is requested from the challenge's realm.
    #[must_use]
    pub fn with_registry_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Arc::from(token.into()));
        self
    }

    /// The token of [`Keychain::with_registry_token`].
    pub fn registry_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The docker config file consulted: the explicit path, else
    /// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
    pub fn docker_config_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.config_path {
            return Some(path.clone());
        }
        if let Some(dir) = (self.env)("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            return Some(Path::new(&dir).join("config.json"));
        }
        (self.env)("HOME")
            .filter(|h| !h.is_empty())
            .map(|home| Path::new(&home).join(".docker").join("config.json"))
    }

    /// Credentials for `registry` (a host with optional port, `docker.io`
    /// for Docker Hub), or `None` to go anonymous. Order: the
    /// `SBOMCTL_REGISTRY_*` variables, then the docker config's
    /// `credHelpers[registry]`, `auths[registry]`, and `credsStore`.
    pub fn credentials(&self, registry: &str) -> Result<Option<Credentials>> {
        let fail = |message: String| Error::Registry {
            registry: registry.to_string(),
            message,
        };
        match ((self.env)(USERNAME_ENV), (self.env)(PASSWORD_ENV)) {
            (Some(username), Some(password)) => {
                return Ok(Some(Credentials { username, password }))
            }
            (Some(_), None) => {
                return Err(fail(format!(
                    "{USERNAME_ENV} is set but {PASSWORD_ENV} is not"
                )))
            }
            (None, Some(_)) => {
                return Err(fail(format!(
                    "{PASSWORD_ENV} is set but {USERNAME_ENV} is not"
                )))
            }
            (None, None) => {}
        }

        let Some(path) = self.docker_config_path() else {
            return Ok(None);
        };
        // Only a regular file, size-capped: a FIFO here would block.
        let file = match crate::bounded::open_regular_file(&path) {
            Ok(file) => file,
            Err(Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::NotFound => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let what = path.display().to_string();
        let bytes = crate::bounded::read_capped(file, crate::bounded::MAX_DOCUMENT_SIZE, &what)?;
        let config: DockerConfig =
            serde_json::from_slice(&bytes).map_err(|e| Error::malformed(&what, e))?;
        let server = helper_server(registry);

        if let Some(helper) = find_entry(&config.cred_helpers, registry) {
            return self.run_helper(helper, &server, registry);
        }
        if let Some(entry) = find_entry(&config.auths, registry) {
            if let Some(credentials) = entry
                .credentials()
                .map_err(|m| fail(format!("{}: auths entry: {m}", path.display())))?
            {
                return Ok(Some(credentials));
            }
        }
        if let Some(store) = config.creds_store.as_deref().filter(|s| !s.is_empty()) {
            return self.run_helper(store, &server, registry);
        }
        Ok(None)
    }

    /// Runs `docker-credential-<helper> get` with `server` on stdin (the
    /// docker-credential-helpers protocol,
    /// <https://github.com/docker/docker-credential-helpers>). A helper
    /// that is missing or fails is an error naming it, as in docker and
    /// cosign; "credentials not found" means anonymous.
    fn run_helper(
        &self,
        helper: &str,
        server: &str,
        registry: &str,
    ) -> Result<Option<Credentials>> {
        let fail = |message: String| Error::Registry {
            registry: registry.to_string(),
            message,
        };
        let name = format!("docker-credential-{helper}");
        let stdout = match self.helper_call(helper, "get", server.as_bytes()) {
            Ok(stdout) => stdout,
            Err(HelperError::NotFound) => return Ok(None),
            Err(HelperError::Failed(message)) => return Err(fail(message)),
        };
        let reply: HelperReply = serde_json::from_str(&stdout)
            .map_err(|e| fail(format!("{name} get: unreadable answer: {e}")))?;
        if reply.username == "<token>" {
            // An identity token is an OAuth2 refresh token, not a password.
            tracing::warn!(
                "{name} returned an identity token, which is not supported; pulling anonymously"
            );
            return Ok(None);
        }
        Ok(Some(Credentials {
            username: reply.username,
            password: reply.secret,
        }))
    }

    /// Stores `credentials` for `server` (a host, or Docker Hub's
    /// `https://index.docker.io/v1/`) with `docker-credential-<helper>
    /// store`, as `docker login` does when a helper is configured.
    ///
    /// # Errors
    /// [`Error::CredentialHelper`]: the helper is missing or failed.
    pub fn store_with_helper(
        &self,
        helper: &str,
        server: &str,
        credentials: &Credentials,
    ) -> Result<()> {
        let input = serde_json::json!({
            "ServerURL": server,
            "Username": credentials.username,
            "Secret": credentials.password,
        })
        .to_string();
        match self.helper_call(helper, "store", input.as_bytes()) {
            Ok(_) => Ok(()),
            Err(HelperError::NotFound) => Err(Error::CredentialHelper {
                message: format!("docker-credential-{helper} store: credentials not found"),
            }),
            Err(HelperError::Failed(message)) => Err(Error::CredentialHelper { message }),
        }
    }

    /// Erases the credentials of `server` with `docker-credential-<helper>
    /// erase`, as `docker logout` does; `false` when the helper had none.
    ///
    /// # Errors
    /// [`Error::CredentialHelper`]: the helper is missing or failed.
    pub fn erase_with_helper(&self, helper: &str, server: &str) -> Result<bool> {
        match self.helper_call(helper, "erase", server.as_bytes()) {
            Ok(_) => Ok(true),
            Err(HelperError::NotFound) => Ok(false),
            Err(HelperError::Failed(message)) => Err(Error::CredentialHelper { message }),
        }
    }

    /// Runs `docker-credential-<helper> VERB` with `input` on stdin; its
    /// stdout. A helper answering "credentials not found" is
    /// [`HelperError::NotFound`]; a missing helper or a failure is
    /// [`HelperError::Failed`] with one line naming the helper.
    fn helper_call(
        &self,
        helper: &str,
        verb: &str,
        input: &[u8],
    ) -> std::result::Result<String, HelperError> {
        let name = format!("docker-credential-{helper}");
        if helper.is_empty() || helper.contains(['/', '\\']) {
            return Err(HelperError::Failed(format!(
                "credential helper {name:?}: not a helper name"
            )));
        }
        let Some(program) = self.find_in_path(&name) else {
            return Err(HelperError::Failed(format!(
                "credential helper {name} not found in PATH"
            )));
        };
        let mut child = Command::new(&program)
            .arg(verb)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HelperError::Failed(format!("running {}: {e}", program.display())))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that exits without reading stdin makes this fail with
            // a broken pipe; its exit status tells what happened.
            let _ = stdin.write_all(input);
        }
        let output = child
            .wait_with_output()
            .map_err(|e| HelperError::Failed(format!("running {}: {e}", program.display())))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            return Ok(stdout);
        }
        if stdout.contains("credentials not found") {
            return Err(HelperError::NotFound);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let detail: String = [stdout.trim(), stderr.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(500)
            .collect();
        Err(HelperError::Failed(format!(
            "credential helper {name} {verb} failed ({}){}",
            output.status,
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        )))
    }

    fn find_in_path(&self, name: &str) -> Option<PathBuf> {
        let path = (self.env)("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }
}

/// How a credential helper call ended, short of success.
enum HelperError {
    /// The helper answered "credentials not found".
    NotFound,
    /// The helper is missing or failed: one line naming it.
    Failed(String),
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// What helpers get on stdin for `registry`.
fn helper_server(registry: &str) -> String {
    if registry == crate::reference::DOCKER_HUB {
        DOCKER_HUB_SERVER.to_string()
    } else {
        registry.to_string()
    }
}

/// `auths` and `credHelpers` keys may be hosts or URLs
/// (`https://index.docker.io/v1/`); this reduces them to a host.
fn normalize_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            crate::reference::DOCKER_HUB
        }
        other => other,
    }
}

fn find_entry<'a, T>(map: &'a BTreeMap<String, T>, registry: &str) -> Option<&'a T> {
    map.get(registry).or_else(|| {
        map.iter()
            .find(|(key, _)| normalize_key(key) == registry)
            .map(|(_, value)| value)
    })
}

#[derive(Debug, Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

impl AuthEntry {
    fn credentials(&self) -> std::result::Result<Option<Credentials>, String> {
        if let Some(auth) = self.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(auth.trim()))
                .map_err(|e| format!("`auth` is not base64: {e}"))?;
            let decoded =
                String::from_utf8(decoded).map_err(|_| "`auth` is not UTF-8".to_string())?;
            let (username, password) = decoded
                .split_once(':')
                .ok_or_else(|| "`auth` is not `user:password`".to_string())?;
            return Ok(Some(Credentials {
                username: username.to_string(),
                password: password.to_string(),
            }));
        }
        match (&self.username, &self.password) {
            (Some(username), Some(password)) if !username.is_empty() => Ok(Some(Credentials {
                username: username.clone(),
                password: password.clone(),
            })),
            _ => Ok(None),
        }
    }
}

#[derive(Debug, Deserialize)]
struct HelperReply {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use super::*;

    fn keychain(vars: &[(&str, &str)]) -> Keychain {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        Keychain::with_env(move |name| vars.get(name).cloned())
    }

    fn creds(user: &str, pass: &str) -> Option<Credentials> {
        Some(Credentials {
            username: user.into(),
            password: pass.into(),
        })
    }

    fn write_config(dir: &Path, json: &str) -> PathBuf {
        let path = dir.join("config.json");
        std::fs::write(&path, json).unwrap();
        path
    }

    #[test]
    fn env_variables_win() {
        let dir = tempfile::tempdir().unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("cfg:cfgpass");
        write_config(
            dir.path(),
            &format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}"#),
        );
        let k = keychain(&[
            (USERNAME_ENV, "envuser"),
            (PASSWORD_ENV, "envpass"),
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
        ]);
        assert_eq!(
            k.credentials("ghcr.io").unwrap(),
            creds("envuser", "envpass")
        );
    }

    #[test]
    fn half_set_env_is_an_error() {
        let k = keychain(&[(USERNAME_ENV, "u")]);
        let e = k.credentials("ghcr.io").unwrap_err().to_string();
        assert!(e.contains("SBOMCTL_REGISTRY_PASSWORD is not"), "{e}");
    }

    #[test]
    fn no_config_means_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        let k = keychain(&[("HOME", dir.path().to_str().unwrap())]);
        assert_eq!(k.credentials("ghcr.io").unwrap(), None);
        assert_eq!(Keychain::anonymous().credentials("ghcr.io").unwrap(), None);
    }

    #[test]
    fn auths_base64_auth_from_home_docker_config() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".docker")).unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cr:et");
        write_config(
            &home.path().join(".docker"),
            &format!(r#"{{"auths":{{"localhost:5000":{{"auth":"{auth}"}}}}}}"#),
        );
        let k = keychain(&[("HOME", home.path().to_str().unwrap())]);
        assert_eq!(
            k.credentials("localhost:5000").unwrap(),
            creds("alice", "s3cr:et")
        );
        assert_eq!(k.credentials("other.io").unwrap(), None);
    }

    #[test]
    fn auths_username_password_and_url_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            r#"{"auths":{
                "https://index.docker.io/v1/":{"username":"hub","password":"hubpass"},
                "https://quay.io":{"username":"q","password":"qp"}
            }}"#,
        );
        let k = Keychain::anonymous().with_config_path(path);
        assert_eq!(k.credentials("docker.io").unwrap(), creds("hub", "hubpass"));
        assert_eq!(k.credentials("quay.io").unwrap(), creds("q", "qp"));
    }

    #[test]
    fn bad_auth_field_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), r#"{"auths":{"x.io":{"auth":"!!!"}}}"#);
        let k = Keychain::anonymous().with_config_path(path);
        let e = k.credentials("x.io").unwrap_err().to_string();
        assert!(e.contains("not base64"), "{e}");
    }

    #[test]
    fn malformed_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), "{not json");
        let k = Keychain::anonymous().with_config_path(path);
        assert!(k.credentials("x.io").is_err());
    }

    /// Writes `docker-credential-test`, which answers for `known` only and
    /// logs what it was asked into `asked`.
    #[cfg(unix)]
    fn fake_helper(dir: &Path, known: &str) {
        use std::os::unix::fs::PermissionsExt;
        let script = format!(
            r#"#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
echo "$server" >> "{asked}"
if [ "$server" = "{known}" ]; then
  printf '{{"ServerURL":"%s","Username":"helperuser","Secret":"helpersecret"}}' "$server"
else
  echo "credentials not found in native keychain"
  exit 1
fi
"#,
            asked = dir.join("asked").display(),
        );
        let path = dir.join("docker-credential-test");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[cfg(unix)]
    fn path_with(dir: &Path) -> String {
        format!("{}:/usr/bin:/bin", dir.display())
    }

    #[cfg(unix)]
    #[test]
    fn cred_helpers_entry_runs_the_helper() {
        let dir = tempfile::tempdir().unwrap();
        fake_helper(dir.path(), "ghcr.io");
        write_config(
            dir.path(),
            r#"{"credHelpers":{"ghcr.io":"test"},
                "auths":{"ghcr.io":{"username":"no","password":"no"}}}"#,
        );
        let k = keychain(&[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("PATH", &path_with(dir.path())),
        ]);
        assert_eq!(
            k.credentials("ghcr.io").unwrap(),
            creds("helperuser", "helpersecret")
        );
        let asked = std::fs::read_to_string(dir.path().join("asked")).unwrap();
        assert_eq!(asked, "ghcr.io\n");
    }

    #[cfg(unix)]
    #[test]
    fn creds_store_is_last_and_gets_hub_url() {
        let dir = tempfile::tempdir().unwrap();
        fake_helper(dir.path(), DOCKER_HUB_SERVER);
        write_config(dir.path(), r#"{"credsStore":"test"}"#);
        let k = keychain(&[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("PATH", &path_with(dir.path())),
        ]);
        assert_eq!(
            k.credentials("docker.io").unwrap(),
            creds("helperuser", "helpersecret")
        );
        // Not in the store: anonymous.
        assert_eq!(k.credentials("quay.io").unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn auths_win_over_creds_store() {
        let dir = tempfile::tempdir().unwrap();
        fake_helper(dir.path(), "x.io");
        write_config(
            dir.path(),
            r#"{"credsStore":"test","auths":{"x.io":{"username":"a","password":"b"}}}"#,
        );
        let k = keychain(&[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("PATH", &path_with(dir.path())),
        ]);
        assert_eq!(k.credentials("x.io").unwrap(), creds("a", "b"));
        assert!(!dir.path().join("asked").exists());
    }

    #[test]
    fn missing_helpers() {
        let dir = tempfile::tempdir().unwrap();
        write_config(
            dir.path(),
            r#"{"credHelpers":{"a.io":"nonexistent"},"credsStore":"nonexistent"}"#,
        );
        let k = keychain(&[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("PATH", dir.path().to_str().unwrap()),
        ]);
        let e = k.credentials("a.io").unwrap_err().to_string();
        assert_eq!(
            e,
            "registry a.io: credential helper docker-credential-nonexistent not found in PATH"
        );
        // A missing credsStore helper too, as in docker and cosign.
        let e = k.credentials("b.io").unwrap_err().to_string();
        assert_eq!(
            e,
            "registry b.io: credential helper docker-credential-nonexistent not found in PATH"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_docker_config_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = Keychain::anonymous()
            .with_config_path(&fifo)
            .credentials("reg.example")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!("{}: not a regular file (a FIFO)", fifo.display())
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let c = creds("u", "hunter2").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.basic_header(), "Basic dTpodW50ZXIy");
    }
}
