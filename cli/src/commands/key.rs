//! `sbomctl generate-key-pair` and `sbomctl import-key-pair`: write a
//! cosign-compatible `PREFIX.key` (encrypted, mode 0600) and `PREFIX.pub`.

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_attest::key::password::{self, Purpose};
use sbomctl_attest::key::{self, cosign_key, PrivateKey};
use sbomctl_attest::pem;

/// Make a new ECDSA P-256 key pair for signing, as cosign does: PREFIX.key
/// (encrypted with a password) and PREFIX.pub.
#[derive(Debug, Args)]
pub struct GenerateKeyPairArgs {
    /// Write PREFIX.key (encrypted private key) and PREFIX.pub. The
    /// password comes from SBOMCTL_PASSWORD or COSIGN_PASSWORD, else a prompt
    /// on the terminal, else one line of stdin.
    #[arg(long, value_name = "PREFIX", default_value = "cosign")]
    pub output_key_prefix: PathBuf,
    /// Replace PREFIX.key and PREFIX.pub if they exist.
    #[arg(long)]
    pub force: bool,
}

/// Import an unencrypted private key (PKCS#8, SEC1 or PKCS#1 PEM) as a
/// cosign key pair: PREFIX.key (encrypted with a password) and PREFIX.pub.
#[derive(Debug, Args)]
pub struct ImportKeyPairArgs {
    /// Unencrypted private key PEM to import: PKCS#8 (`PRIVATE KEY`: ECDSA
    /// P-256/P-384, Ed25519, RSA), SEC1 (`EC PRIVATE KEY`) or PKCS#1
    /// (`RSA PRIVATE KEY`).
    #[arg(short, long, value_name = "FILE")]
    pub key: PathBuf,
    /// Write the key pair to PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX", default_value = "import-cosign")]
    pub output_key_prefix: PathBuf,
    /// Replace PREFIX.key and PREFIX.pub if they exist.
    #[arg(long)]
    pub force: bool,
}

/// Makes a new ECDSA P-256 key pair, like `cosign generate-key-pair`.
pub fn generate_key_pair(args: &GenerateKeyPairArgs) -> Result<ExitCode> {
    let paths = KeyPairPaths::new(&args.output_key_prefix, args.force)?;
    let key = PrivateKey::generate_p256().context("generating a P-256 key")?;
    paths.write(&key)?;
    Ok(ExitCode::SUCCESS)
}

/// Encrypts an existing private key into a cosign key pair, like
/// `cosign import-key-pair`.
pub fn import_key_pair(args: &ImportKeyPairArgs) -> Result<ExitCode> {
    let paths = KeyPairPaths::new(&args.output_key_prefix, args.force)?;
    // Bounded: `--key /dev/zero` is refused, not read until memory runs out.
    let text = pem::read_file(&args.key)?;
    let key = key::import(&text).with_context(|| format!("importing {}", args.key.display()))?;
    paths.write(&key)?;
    Ok(ExitCode::SUCCESS)
}

struct KeyPairPaths {
    private: PathBuf,
    public: PathBuf,
    force: bool,
}

fn with_extension(prefix: &Path, extension: &str) -> PathBuf {
    // Not `Path::with_extension`: a prefix like `keys/release.v2` keeps its dot.
    let mut name = OsString::from(prefix.as_os_str());
    name.push(extension);
    PathBuf::from(name)
}

impl KeyPairPaths {
    /// Checks both files up front, so that nothing is asked or written when
    /// either exists.
    fn new(prefix: &Path, force: bool) -> Result<Self> {
        let paths = Self {
            private: with_extension(prefix, ".key"),
            public: with_extension(prefix, ".pub"),
            force,
        };
        if !force {
            for path in [&paths.private, &paths.public] {
                if path.symlink_metadata().is_ok() {
                    bail!(
                        "refusing to overwrite {}: it exists (pass --force to replace it)",
                        path.display()
                    );
                }
            }
        }
        Ok(paths)
    }

    fn write(&self, key: &PrivateKey) -> Result<()> {
        let password = password::read_password(Purpose::Create)?;
        let encrypted =
            cosign_key::encrypt(key, &password).context("encrypting the private key")?;
        let public = key.public_key().to_pem()?;
        write_file(&self.private, encrypted.as_bytes(), 0o600, self.force)?;
        crate::ui::info(format_args!(
            "Private key written to {}",
            self.private.display()
        ));
        write_file(&self.public, public.as_bytes(), 0o644, self.force)?;
        crate::ui::info(format_args!(
            "Public key written to {}",
            self.public.display()
        ));
        Ok(())
    }
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory and a rename, so that a reader never sees half a key. Without
/// `force` the rename refuses to replace a file that appeared meanwhile.
fn write_file(path: &Path, contents: &[u8], mode: u32, force: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "cannot write {}: no directory {}",
            path.display(),
            dir.display()
        );
    }
    // Created with mode 0600 on Unix, so the private key is never readable
    // by others, not even briefly.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting the mode of {}", tmp.path().display()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    let persisted = if force {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map_err(|err| {
        if err.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "refusing to overwrite {}: it exists (pass --force to replace it)",
                path.display()
            )
        } else {
            anyhow::Error::new(err.error).context(format!("writing {}", path.display()))
        }
    })?;
    Ok(())
}
