//! Where an image comes from: the one image grammar of `sbomctl-oci`
//! ([`Source`] is its [`Target`]), plus walking a `dir:` directory, which
//! is the catalog's business.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::{Diagnostic, Location, Severity};
use crate::{Error, Result};
pub use sbomctl_oci::target::Target;

/// A source to catalog: [`Target`], the grammar every command shares
/// (`registry:REF`, `docker-archive:FILE`, `oci-archive:FILE`,
/// `oci-dir:DIR[:TAG]`, `dir:DIR`, or a sniffed path).
pub type Source = Target;

/// Walks a directory without following symlinks, recording wanted files
/// (content capped like layer files, kept while `budget` lasts), the
/// extractors' findings and every symlink, as one pseudo-layer: each
/// regular file goes through the same selection as a layer's
/// ([`crate::layer::read`]). Files that vanish or cannot be read are
/// skipped; [`walk`] reports them.
pub fn walk_dir(
    root: &Path,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
) -> Result<crate::layer::LayerIndex> {
    Ok(walk(root, &Walk::default(), wanted, budget)?.0)
}

/// How [`walk`] walks a directory.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// syft's `--base-path`: paths are recorded relative to it (so
    /// absolute symlinks resolve inside it); it must hold the root.
    pub base: Option<PathBuf>,
    /// Mount points whose contents are skipped (see [`Mounts`]).
    pub mounts: Mounts,
}

/// Walks `root` ([`walk_dir`]) and returns, besides the pseudo-layer, a
/// warning for each file or directory that vanished or could not be read
/// during the walk. Only an unreadable root is an error.
pub fn walk(
    root: &Path,
    how: &Walk,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
) -> Result<(crate::layer::LayerIndex, Vec<Diagnostic>)> {
    walk_impl(root, how, wanted, budget, None)
}

/// [`walk`], keeping no wanted file's content: the pseudo-layer holds the
/// symlinks and the extractors' findings, and the wanted files are only
/// listed ([`Deferred`]), to be read when a cataloger needs them
/// ([`Deferred::load`]). What a scan holds then no longer grows with the
/// wanted files of the whole tree. The wanted files still take their bytes
/// from `budget`, in walk order: those that do not fit are
/// [`EntryKind::Skipped`](crate::layer::EntryKind::Skipped) and not
/// listed, exactly as [`walk`] would skip them.
pub fn walk_deferred(
    root: &Path,
    how: &Walk,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
) -> Result<(crate::layer::LayerIndex, Deferred, Vec<Diagnostic>)> {
    let mut deferred = Deferred {
        root: root.to_owned(),
        prefix: match &how.base {
            Some(base) => base_prefix(root, base)?,
            None => String::new(),
        },
        paths: Vec::new(),
    };
    let (index, warnings) = walk_impl(root, how, wanted, budget, Some(&mut deferred.paths))?;
    Ok((index, deferred, warnings))
}

/// The wanted files a [`walk_deferred`] found, by recorded path, in walk
/// order.
#[derive(Debug, Clone)]
pub struct Deferred {
    root: PathBuf,
    /// The root's path inside the base path (see [`Walk::base`]).
    prefix: String,
    paths: Vec<String>,
}

impl Deferred {
    /// Where the file recorded at normalised `path` is on disk: `None`
    /// when the path is outside the walked root (see [`Walk::base`]).
    pub(crate) fn fs_path(&self, path: &str) -> Option<PathBuf> {
        if self.prefix.is_empty() {
            return Some(self.root.join(path));
        }
        let rest = path.strip_prefix(self.prefix.as_str())?;
        if rest.is_empty() {
            return Some(self.root.clone());
        }
        Some(self.root.join(rest.strip_prefix('/')?))
    }

    /// The recorded paths, in walk order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    /// Reads the files whose recorded path `select` accepts into `tree`,
    /// as the walk would have kept them: cut at [`crate::MAX_FILE_SIZE`],
    /// while `budget` lasts, and without following a symlink. A file cut,
    /// turned away by the budget, gone or unreadable is a warning in
    /// `diagnostics` (worded as the walk and the squash word them).
    pub fn load(
        &self,
        select: impl Fn(&str) -> bool,
        tree: &mut crate::cataloger::FileTree,
        budget: &crate::layer::Budget,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let mut warn = |path: &str, message: String| {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                location: Some(Location::new(path, None)),
                message,
            });
        };
        for path in self.paths.iter().filter(|p| select(p)) {
            let in_root = if self.prefix.is_empty() {
                path.as_str()
            } else {
                path.get(self.prefix.len() + 1..).unwrap_or_default()
            };
            let file = self.root.join(in_root);
            let size = match fs::symlink_metadata(&file) {
                Ok(m) if m.is_file() => m.len(),
                Ok(_) => continue,
                Err(e) => {
                    warn(path, format!("reading metadata: {e}; skipped"));
                    continue;
                }
            };
            let f = match fs::File::open(&file) {
                Ok(f) => f,
                Err(e) => {
                    warn(path, format!("opening: {e}; skipped"));
                    continue;
                }
            };
            let cap = size.min(crate::MAX_FILE_SIZE);
            if !budget.take(cap) {
                warn(
                    path,
                    format!(
                        "file of {size} bytes not read: the scan's budget of {} MiB for file contents is used up",
                        budget.limit() >> 20
                    ),
                );
                continue;
            }
            // Bytes past the size read above (a file growing under us)
            // are not read.
            let data = match crate::layer::read::read_content(&mut f.take(size), cap) {
                Ok(d) => d,
                Err(e) => {
                    warn(path, format!("reading: {e}; skipped"));
                    continue;
                }
            };
            let truncated = size > crate::MAX_FILE_SIZE;
            if truncated {
                warn(
                    path,
                    format!(
                        "file larger than {} MiB, only its start was read",
                        crate::MAX_FILE_SIZE >> 20
                    ),
                );
            }
            tree.insert(crate::cataloger::File {
                path: path.clone(),
                data,
                layer: None,
                truncated,
            });
        }
    }
}

/// [`walk`]; with `defer`, wanted files are listed there instead of read.
fn walk_impl(
    root: &Path,
    how: &Walk,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
    mut defer: Option<&mut Vec<String>>,
) -> Result<(crate::layer::LayerIndex, Vec<Diagnostic>)> {
    use crate::layer::{Entry, EntryKind, LayerIndex};
    let mut index = LayerIndex {
        layer: None,
        entries: Vec::new(),
        whiteouts: Vec::new(),
        opaque_dirs: Vec::new(),
        plain: Vec::new(),
        raw_size: 0,
        files: Default::default(),
    };
    let mut warnings = Vec::new();
    let prefix = match &how.base {
        Some(base) => base_prefix(root, base)?,
        None => String::new(),
    };
    let absolute_root = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
    if how.mounts.skips(&absolute_root) {
        return Ok((index, warnings));
    }
    let mut warn = |path: &str, what: &str, e: &std::io::Error| {
        warnings.push(Diagnostic {
            severity: Severity::Warning,
            location: Some(Location::new(path, None)),
            message: format!("{what}: {e}; skipped"),
        });
    };
    // Reading the root itself must work: anything else is a broken input.
    fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    let mut stack = vec![(root.to_owned(), prefix.clone())];
    while let Some((dir, rel)) = stack.pop() {
        let children = fs::read_dir(&dir).and_then(|rd| {
            // Only names are kept (not `DirEntry`s with their full paths),
            // so a wide directory costs little.
            rd.map(|e| e.map(|e| (e.file_name(), e.file_type())))
                .collect::<std::io::Result<Vec<_>>>()
        });
        let mut children = match children {
            Ok(c) => c,
            Err(e) => {
                warn(&rel, "reading directory", &e);
                continue;
            }
        };
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (name, ft) in children {
            let child = dir.join(&name);
            let name = name.to_string_lossy();
            let path = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            // Exclusions are relative to the scanned directory, also when
            // paths are recorded relative to a base path (as in syft).
            let in_root = if prefix.is_empty() {
                path.as_str()
            } else {
                path.get(prefix.len() + 1..).unwrap_or_default()
            };
            if wanted.excluded(in_root) {
                continue;
            }
            let ft = match ft {
                Ok(ft) => ft,
                Err(e) => {
                    warn(&path, "reading file type", &e);
                    continue;
                }
            };
            if ft.is_symlink() {
                match fs::read_link(&child) {
                    Ok(target) => index.entries.push(Entry {
                        path,
                        kind: EntryKind::Symlink(target.to_string_lossy().into_owned()),
                    }),
                    Err(e) => warn(&path, "reading symlink", &e),
                }
            } else if ft.is_dir() {
                if !how
                    .mounts
                    .skips(&absolute_root.join(child.strip_prefix(root).unwrap_or(&child)))
                {
                    stack.push((child, path));
                }
            } else if ft.is_file() {
                let extractors = wanted.extractors();
                let whole = wanted.matches(&path);
                if !whole && extractors.is_empty() {
                    continue;
                }
                let meta = match fs::symlink_metadata(&child) {
                    Ok(m) if m.is_file() => m,
                    Ok(_) => continue,
                    Err(e) => {
                        warn(&path, "reading metadata", &e);
                        continue;
                    }
                };
                let (size, mode) = (meta.len(), mode_of(&meta));
                // One pseudo-layer: no lower finding to hide, so files
                // nothing selects are not remembered.
                let considered = extractors.considers(&path, mode, size);
                if !whole && !considered {
                    continue;
                }
                let f = match fs::File::open(&child) {
                    Ok(f) => f,
                    Err(e) => {
                        warn(&path, "opening", &e);
                        continue;
                    }
                };
                let keep = match defer.as_deref_mut() {
                    Some(later) if whole => {
                        // The file's bytes are taken from the budget now,
                        // in walk order, as if it were read: the files
                        // cataloged, and those turned away, are the same
                        // as when the walk kept them.
                        if !budget.take(size.min(crate::MAX_FILE_SIZE)) {
                            index.entries.push(Entry {
                                path,
                                kind: EntryKind::Skipped {
                                    size,
                                    budget: budget.limit(),
                                },
                            });
                            continue;
                        }
                        later.push(path.clone());
                        if !considered {
                            continue;
                        }
                        false
                    }
                    _ => whole,
                };
                // Bytes past the size read above (a file growing under us)
                // are not read.
                let mut content = std::io::BufReader::new(f.take(size));
                if let Err((_, e)) = crate::layer::read::read_regular_as(
                    &mut index,
                    path.clone(),
                    size,
                    mode,
                    &mut content,
                    wanted,
                    budget,
                    keep,
                ) {
                    warn(&path, "reading", &e);
                }
            }
        }
    }
    index.plain.sort_unstable();
    index.plain.dedup();
    Ok((index, warnings))
}

/// The path of `root` inside `base` (`usr/lib`, or empty when they are
/// the same directory), both with symlinks resolved.
fn base_prefix(root: &Path, base: &Path) -> Result<String> {
    let real_base = fs::canonicalize(base).map_err(|e| Error::io(base, e))?;
    if !real_base.is_dir() {
        return Err(Error::InvalidOption {
            message: format!("base path {}: not a directory", base.display()),
        });
    }
    let real_root = fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let rel = real_root
        .strip_prefix(&real_base)
        .map_err(|_| Error::InvalidOption {
            message: format!(
                "base path {} does not contain the scanned directory {}",
                base.display(),
                root.display()
            ),
        })?;
    Ok(rel.to_string_lossy().into_owned())
}

/// Mount points whose contents a `dir:` walk skips, as syft does
/// (`syft/internal/fileresolver/path_skipper.go`): everything on a `proc`,
/// `procfs`, `sysfs`, `devfs`, `devtmpfs` or `udev` mount, and a `tmpfs`
/// mounted at or under `/run`, `/dev`, `/var/run`, `/var/lock` or `/sys`.
#[derive(Debug, Clone, Default)]
pub struct Mounts {
    /// (mount point, filesystem type), longest mount point first.
    mounts: Vec<(PathBuf, String)>,
}

const SKIPPED_FS: &[&str] = &["proc", "procfs", "sysfs", "devfs", "devtmpfs", "udev"];
const SKIPPED_TMPFS_UNDER: &[&str] = &["/run", "/dev", "/var/run", "/var/lock", "/sys"];

impl Mounts {
    /// This system's mounts, from `/proc/self/mountinfo`; none when it
    /// cannot be read (then nothing is skipped, as with syft).
    pub fn of_this_system() -> Self {
        match fs::read_to_string("/proc/self/mountinfo") {
            Ok(text) => Self::parse(&text),
            Err(e) => {
                tracing::debug!("reading /proc/self/mountinfo: {e}; no mount is skipped");
                Mounts::default()
            }
        }
    }

    /// Parses the `mountinfo` format (proc(5)): the fifth field is the
    /// mount point (octal escapes for space, tab, newline and backslash),
    /// the first field after the ` - ` separator the filesystem type.
    pub fn parse(mountinfo: &str) -> Self {
        let mut mounts: Vec<(PathBuf, String)> = mountinfo
            .lines()
            .filter_map(|line| {
                let (head, tail) = line.split_once(" - ")?;
                let point = head.split(' ').nth(4)?;
                let fs_type = tail.split(' ').next()?;
                Some((PathBuf::from(unescape(point)), fs_type.to_owned()))
            })
            .collect();
        mounts.sort_by(|a, b| {
            b.0.as_os_str()
                .len()
                .cmp(&a.0.as_os_str().len())
                .then_with(|| a.0.cmp(&b.0))
        });
        Mounts { mounts }
    }

    /// Whether the walk skips absolute `path` (a directory), by the most
    /// specific mount holding it.
    pub fn skips(&self, path: &Path) -> bool {
        for (point, fs_type) in &self.mounts {
            if !path.starts_with(point) {
                continue;
            }
            if SKIPPED_FS.contains(&fs_type.as_str()) {
                return true;
            }
            if fs_type == "tmpfs" {
                if SKIPPED_TMPFS_UNDER.iter().any(|p| path.starts_with(p)) {
                    return true;
                }
                continue;
            }
            return false;
        }
        false
    }
}

/// Undoes mountinfo's `\ooo` octal escapes.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            if let Some(code) = bytes
                .get(i + 1..i + 4)
                .and_then(|o| std::str::from_utf8(o).ok())
                .and_then(|o| u8::from_str_radix(o, 8).ok())
            {
                out.push(code);
                i += 4;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_: &fs::Metadata) -> u32 {
    0o755
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:5 / /proc rw,nosuid shared:2 - proc proc rw
24 22 0:6 / /sys rw shared:3 - sysfs sysfs rw
25 24 0:7 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw
26 22 0:8 / /dev rw shared:5 - devtmpfs udev rw
27 22 0:9 / /run rw shared:6 - tmpfs tmpfs rw
28 22 0:10 / /tmp rw shared:7 - tmpfs tmpfs rw
29 22 0:11 / /mnt/with\\040space rw shared:8 - proc proc rw
30 22 0:12 / /srv/nfs rw shared:9 - nfs4 host:/x rw
";

    #[test]
    fn skips_virtual_filesystems_by_syfts_rules() {
        let m = Mounts::parse(MOUNTINFO);
        for skipped in [
            "/proc",
            "/proc/1/fd",
            "/sys",
            "/dev/pts",
            "/run/lock",
            "/mnt/with space",
        ] {
            assert!(m.skips(Path::new(skipped)), "{skipped}");
        }
        // A tmpfs elsewhere, a network filesystem and ordinary disks are
        // walked, as in syft; so is a mount under /sys judged alone (the
        // walk never gets there: /sys is skipped first).
        for walked in [
            "/",
            "/sys/fs/cgroup/x",
            "/tmp/x",
            "/srv/nfs/a",
            "/usr/lib",
            "/procfs",
            "/mnt/with",
        ] {
            assert!(!m.skips(Path::new(walked)), "{walked}");
        }
        assert!(!Mounts::default().skips(Path::new("/proc")));
    }

    #[test]
    fn walk_skips_excluded_paths_and_records_base_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("usr");
        std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
        std::fs::write(root.join("lib/apk/db/installed"), "P:x\nV:1\n\n").unwrap();
        std::fs::create_dir_all(root.join("skip/apk/db")).unwrap();
        std::fs::write(root.join("skip/apk/db/installed"), "P:y\nV:1\n\n").unwrap();
        let wanted = crate::layer::Wanted::new([crate::layer::Rule::new("**/apk/db/installed")])
            .with_exclusions(crate::layer::Exclusions::new(["skip".to_owned()]));
        let how = Walk {
            base: Some(dir.path().to_owned()),
            mounts: Mounts::default(),
        };
        let (index, warnings) =
            walk(&root, &how, &wanted, &crate::layer::Budget::unlimited()).unwrap();
        let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["usr/lib/apk/db/installed"]);
        assert!(warnings.is_empty());
        let how = Walk {
            base: Some(root.join("lib")),
            mounts: Mounts::default(),
        };
        let err = walk(&root, &how, &wanted, &crate::layer::Budget::unlimited()).unwrap_err();
        assert!(
            err.to_string()
                .contains("does not contain the scanned directory"),
            "{err}"
        );
    }
}
