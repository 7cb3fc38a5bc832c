//! `sbomctl login [SERVER] -u USER (-p PASS | --password-stdin)` and
//! `sbomctl logout [SERVER]`: the `auths` entry of the docker config
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), which
//! every command reads through [`sbomctl_oci::auth::Keychain`]. Written
//! as `docker login` and `cosign login` write it (`{"auths": {SERVER:
//! {"auth": base64(USER:PASS)}}}`), through a temporary file and a rename,
//! keeping every other key of the file. When the config names a credential
//! helper for the server (`credHelpers`, else `credsStore`), the
//! credentials go to the helper instead (`docker-credential-NAME store` /
//! `erase`) and the `auths` entry is left empty, as `docker login` does.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use base64::Engine as _;
use clap::Args;
use sbomctl_oci::auth::{Credentials, Keychain};
use serde_json::{Map, Value};

/// The `auths` key `docker login` uses for Docker Hub.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// The largest docker config read or password taken from stdin.
const MAX_CONFIG: u64 = 4 << 20;

/// Log in to a registry: store the credentials in the docker config.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The registry host (`host[:port]`); Docker Hub when omitted.
    #[arg(value_name = "SERVER")]
    pub server: Option<String>,
    /// User name.
    #[arg(short, long, value_name = "USER")]
    pub username: Option<String>,
    /// Password or token (visible to other users in the process list:
    /// prefer --password-stdin).
    #[arg(
        short,
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,
    /// Take the password from stdin (one trailing newline is dropped).
    #[arg(long)]
    pub password_stdin: bool,
}

/// Log out of a registry: remove its credentials from the docker config.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The registry host (`host[:port]`); Docker Hub when omitted.
    #[arg(value_name = "SERVER")]
    pub server: Option<String>,
}

/// The `auths` key for `server`: Docker Hub's names become docker's key,
/// anything else is kept as given (as crane does).
fn auths_key(server: Option<&str>) -> String {
    match server.map(str::trim) {
        None | Some("" | "docker.io" | "index.docker.io" | "registry-1.docker.io") => {
            DOCKER_HUB_KEY.to_owned()
        }
        Some(other) => other.to_owned(),
    }
}

/// The host an `auths` key stands for (`https://h:1/v2/` → `h:1`).
fn host_of(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "docker.io",
        other => other,
    }
}

/// The credential helper the config names for `host`: its `credHelpers`
/// entry, else `credsStore`.
fn helper_for(config: &Map<String, Value>, host: &str) -> Option<String> {
    if let Some(Value::Object(helpers)) = config.get("credHelpers") {
        let named = helpers
            .iter()
            .find(|(key, _)| host_of(key) == host)
            .and_then(|(_, helper)| helper.as_str());
        if let Some(helper) = named.filter(|h| !h.is_empty()) {
            return Some(helper.to_owned());
        }
    }
    config
        .get("credsStore")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What helpers get as the server: Docker Hub's key, else the host (what
/// [`Keychain`] asks them for).
fn helper_server(key: &str, host: &str) -> String {
    if key == DOCKER_HUB_KEY {
        DOCKER_HUB_KEY.to_owned()
    } else {
        host.to_owned()
    }
}

fn config_path() -> Result<PathBuf> {
    Keychain::from_process_env()
        .docker_config_path()
        .context("no docker config location: set DOCKER_CONFIG or HOME")
}

/// The config as a JSON object; `{}` when the file does not exist.
fn read_config(path: &Path) -> Result<Map<String, Value>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        bail!("{}: not a regular file", path.display());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > MAX_CONFIG {
        bail!("{}: larger than {} MiB", path.display(), MAX_CONFIG >> 20);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => bail!("{}: not a JSON object", path.display()),
        Err(e) => bail!("{}: not JSON: {e}", path.display()),
    }
}

/// Writes the config through a temporary file in its directory and a
/// rename (mode 0600: it holds passwords), creating the directory.
fn write_config(path: &Path, config: &Map<String, Value>) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut bytes = serde_json::to_vec_pretty(config)?;
    bytes.push(b'\n');
    let mut tmp = tempfile::Builder::new()
        .prefix(".config.json.")
        .tempfile_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(&bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn read_password_stdin() -> Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_CONFIG)
        .read_to_end(&mut bytes)
        .context("reading the password from stdin")?;
    let text = String::from_utf8(bytes).context("the password on stdin is not UTF-8")?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
}

pub fn login(args: &LoginArgs) -> Result<ExitCode> {
    let password = if args.password_stdin {
        Some(read_password_stdin()?)
    } else {
        args.password.clone()
    };
    let (Some(username), Some(password)) = (args.username.as_deref(), password) else {
        bail!("username and password required (-u USER and -p PASSWORD or --password-stdin)");
    };
    if username.is_empty() || password.is_empty() {
        bail!("username and password required (-u USER and -p PASSWORD or --password-stdin)");
    }
    if username.contains(':') {
        bail!("the username may not contain `:`");
    }
    let path = config_path()?;
    let mut config = read_config(&path)?;
    let key = auths_key(args.server.as_deref());
    let host = host_of(&key).to_owned();
    let helper = helper_for(&config, &host);
    if let Some(helper) = &helper {
        let credentials = Credentials {
            username: username.to_owned(),
            password: password.clone(),
        };
        Keychain::from_process_env().store_with_helper(
            helper,
            &helper_server(&key, &host),
            &credentials,
        )?;
    }
    let auths = config
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(auths) = auths else {
        bail!("{}: `auths` is not an object", path.display());
    };
    // One entry per host: `https://host/v1/` and `host` would otherwise
    // both be there, and the older one might be read first.
    auths.retain(|k, _| k == &key || host_of(k) != host);
    let entry = auths
        .entry(key.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(entry) = entry {
        entry.remove("username");
        entry.remove("password");
        entry.remove("auth");
        if helper.is_none() {
            let auth =
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            entry.insert("auth".to_owned(), Value::String(auth));
        }
    }
    write_config(&path, &config)?;
    match &helper {
        Some(helper) => crate::ui::info(format!("logged in via docker-credential-{helper}")),
        None => crate::ui::info(format!("logged in via {}", path.display())),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn logout(args: &LogoutArgs) -> Result<ExitCode> {
    let key = auths_key(args.server.as_deref());
    let host = host_of(&key).to_owned();
    let path = config_path()?;
    let mut config = read_config(&path)?;
    let erased = match helper_for(&config, &host) {
        Some(helper) => {
            Keychain::from_process_env().erase_with_helper(&helper, &helper_server(&key, &host))?
        }
        None => false,
    };
    let removed = match config.get_mut("auths") {
        Some(Value::Object(auths)) => {
            let before = auths.len();
            auths.retain(|k, _| host_of(k) != host);
            before != auths.len()
        }
        _ => false,
    };
    let shown = args.server.as_deref().unwrap_or(DOCKER_HUB_KEY);
    if !removed && !erased {
        crate::ui::info(format!("Not logged in to {shown}"));
        return Ok(ExitCode::SUCCESS);
    }
    write_config(&path, &config)?;
    crate::ui::info(format!("Removing login credentials for {shown}"));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_hosts() {
        assert_eq!(auths_key(None), DOCKER_HUB_KEY);
        assert_eq!(auths_key(Some("docker.io")), DOCKER_HUB_KEY);
        assert_eq!(auths_key(Some("127.0.0.1:5000")), "127.0.0.1:5000");
        assert_eq!(host_of(DOCKER_HUB_KEY), "docker.io");
        assert_eq!(host_of("https://ghcr.io/v2/"), "ghcr.io");
        assert_eq!(host_of("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
