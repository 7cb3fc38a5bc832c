//! Where cache entries live: the [`Store`] seam and the local-directory
//! store ([`DirStore`]).

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// An entry opened for reading: its bytes and their length.
pub struct Stored {
    /// The entry's bytes.
    pub reader: Box<dyn Read + Send>,
    /// How many bytes `reader` holds.
    pub len: u64,
}

/// A place cache entries are kept under names (lowercase hex, 64
/// characters). Implementations must be safe with many concurrent readers
/// and writers, in one process and across processes: a reader sees an
/// entry whole or not at all, and two writers of the same name write the
/// same bytes, so the last one winning is harmless.
pub trait Store: Send + Sync {
    /// Where the store is, for messages.
    fn describe(&self) -> String;
    /// Where entry `name` is, for messages.
    fn locate(&self, name: &str) -> String {
        format!("{}/{name}", self.describe())
    }
    /// Opens entry `name`; `None` when there is none.
    fn open(&self, name: &str) -> io::Result<Option<Stored>>;
    /// Stores entry `name`, whose bytes `write` produces; readers never
    /// see a partial entry.
    fn put(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()>;
    /// Claims entry `name` before its layer is read, waiting while another
    /// writer (thread or process) holds it, so that concurrent scans read
    /// a layer once: the caller looks the entry up again once it holds the
    /// claim. `None` when the store does not coordinate writers.
    fn claim(&self, _name: &str) -> io::Result<Option<Claim>> {
        Ok(None)
    }
    /// Entry `name` was just used (for least-recently-used eviction).
    fn touch(&self, _name: &str) {}
    /// Whether entries are looked up (a store that found its backend
    /// unreachable answers `false` for the rest of the run).
    fn readable(&self) -> bool {
        true
    }
    /// Whether entries are written (`false` once the backend refused).
    fn writable(&self) -> bool {
        true
    }
    /// Records the counts of one run, for `sbomctl cache stats`.
    fn record_run(&self, _run: &RunStats) -> io::Result<()> {
        Ok(())
    }
}

/// A writer's hold on an entry ([`Store::claim`]); released when dropped.
pub struct Claim {
    _held: Box<dyn std::any::Any + Send>,
}

impl Claim {
    /// A claim held as long as `held` lives.
    pub fn new(held: impl std::any::Any + Send) -> Claim {
        Claim {
            _held: Box::new(held),
        }
    }
}

/// What one scan did with the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStats {
    /// Layers read from the cache.
    pub hits: u64,
    /// Layers looked up and not found (or found unusable) and read.
    pub misses: u64,
    /// Entries written.
    pub written: u64,
    /// Entries found but unusable (corrupt, truncated, foreign).
    pub invalid: u64,
}

/// A local directory: entry `name` is the file `<dir>/<name[..2]>/<name[2..]>`,
/// written to a temporary file next to it and renamed into place.
/// Runs are logged as JSON lines in `<dir>/runs.jsonl`.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: PathBuf,
}

/// Name of the file runs are logged in.
const RUNS: &str = "runs.jsonl";
/// The run log is cut back to its last [`KEEP_RUNS`] lines once it is
/// larger than this.
const MAX_RUNS_LOG: u64 = 256 * 1024;
/// Runs kept when the log is cut, and the most `stats` reads.
pub const KEEP_RUNS: usize = 100;

/// What a [`DirStore`] holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirStats {
    /// Entries.
    pub entries: u64,
    /// Their total size, in bytes.
    pub bytes: u64,
    /// The recent runs, oldest first (at most [`KEEP_RUNS`]).
    pub runs: Vec<RunStats>,
}

impl DirStore {
    /// A store in `dir` (created when missing).
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<DirStore> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(DirStore { dir })
    }

    /// A store in `dir`, which is not created.
    pub fn existing(dir: impl Into<PathBuf>) -> DirStore {
        DirStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> io::Result<PathBuf> {
        if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(io::Error::other(format!("bad cache entry name {name:?}")));
        }
        let (fan, rest) = name.split_at(2);
        Ok(self.dir.join(fan).join(rest))
    }

    /// Every entry file with its size and last use, sorted by last use
    /// then path (temporary files of writers are not entries).
    fn entries(&self) -> io::Result<Vec<(SystemTime, PathBuf, u64)>> {
        let mut out = Vec::new();
        let fans = match fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for fan in fans {
            let fan = fan?;
            let name = fan.file_name();
            let is_fan = name.len() == 2
                && name
                    .to_str()
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_hexdigit()));
            if !is_fan || !fan.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(fan.path())? {
                let entry = entry?;
                let file_name = entry.file_name();
                if file_name.to_str().is_none_or(|n| n.starts_with('.')) {
                    continue;
                }
                // Another process may prune or replace it meanwhile.
                let meta = match entry.metadata() {
                    Ok(m) => m,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                if meta.is_file() {
                    out.push((meta.modified()?, entry.path(), meta.len()));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Counts the entries and their size and reads the recent runs.
    pub fn stats(&self) -> io::Result<DirStats> {
        let entries = self.entries()?;
        let runs = self.runs()?;
        Ok(DirStats {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|(_, _, len)| len).sum(),
            runs,
        })
    }

    fn runs(&self) -> io::Result<Vec<RunStats>> {
        let text = match fs::File::open(self.dir.join(RUNS)) {
            Ok(f) => {
                let mut text = String::new();
                f.take(MAX_RUNS_LOG * 2).read_to_string(&mut text)?;
                text
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let runs: Vec<RunStats> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let skip = runs.len().saturating_sub(KEEP_RUNS);
        Ok(runs.into_iter().skip(skip).collect())
    }

    /// Removes the least recently used entries until the rest take at
    /// most `max_bytes`; returns how many were removed and their size.
    pub fn prune(&self, max_bytes: u64) -> io::Result<(u64, u64)> {
        let entries = self.entries()?;
        let mut total: u64 = entries.iter().map(|(_, _, len)| len).sum();
        let (mut removed, mut freed) = (0, 0);
        for (_, path, len) in entries {
            if total <= max_bytes {
                break;
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            total = total.saturating_sub(len);
            removed += 1;
            freed += len;
        }
        Ok((removed, freed))
    }

    /// Removes every entry, temporary file and the run log; returns how
    /// many entries were removed and their size.
    pub fn clean(&self) -> io::Result<(u64, u64)> {
        let entries = self.entries()?;
        let removed = entries.len() as u64;
        let freed = entries.iter().map(|(_, _, len)| len).sum();
        match fs::remove_dir_all(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok((removed, freed))
    }
}

/// A name for a temporary file no other writer uses at the same time.
/// The process ID alone does not tell writers apart: processes in
/// separate containers sharing a volume often have the same one (1), so a
/// per-process random part comes first.
pub(crate) fn temp_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        ".tmp-{:016x}-{}-{}-{nanos}",
        process_random(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// 64 random bits drawn once per process (from the standard library's
/// randomly keyed hasher).
fn process_random() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    static RANDOM: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *RANDOM.get_or_init(|| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(u64::from(std::process::id()));
        h.finish()
    })
}

/// A held claim file: removed (while still locked) when dropped.
struct ClaimFile {
    path: PathBuf,
    _file: fs::File,
}

impl Drop for ClaimFile {
    fn drop(&mut self) {
        // Before the lock goes with the file: a waiter holding this file
        // then finds the name gone and opens it again.
        let _ = fs::remove_file(&self.path);
    }
}

/// Waits for an exclusive `flock` on `file`.
#[cfg(unix)]
fn lock(file: &fs::File) -> io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::LockExclusive).map_err(io::Error::from)
}

/// No claims off Unix: concurrent writers may both read a layer.
#[cfg(not(unix))]
fn lock(_file: &fs::File) -> io::Result<()> {
    Ok(())
}

/// Whether `path` still names the open `file` (not removed or replaced).
#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt as _;
    let open = file.metadata()?;
    match fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn same_file(_file: &fs::File, path: &Path) -> io::Result<bool> {
    Ok(path.exists())
}

/// Most attempts at a temporary file name that is not taken.
const TEMP_ATTEMPTS: usize = 8;

impl DirStore {
    /// [`Store::put`] with temporary names from `temp_name`. A name that
    /// is taken belongs to another writer: its file is left alone and the
    /// next name tried; only this writer's own file is removed on failure.
    pub(crate) fn put_named(
        &self,
        name: &str,
        temp_name: &mut dyn FnMut() -> String,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let path = self.path(name)?;
        let parent = path
            .parent()
            .ok_or_else(|| io::Error::other("entry path has no parent"))?;
        fs::create_dir_all(parent)?;
        let mut attempt = 0;
        let (file, temp) = loop {
            let temp = parent.join(temp_name());
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
            {
                Ok(file) => break (file, temp),
                Err(e)
                    if e.kind() == io::ErrorKind::AlreadyExists && attempt + 1 < TEMP_ATTEMPTS =>
                {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let result = (|| {
            let mut out = BufWriter::with_capacity(64 * 1024, file);
            write(&mut out)?;
            out.into_inner().map_err(io::IntoInnerError::into_error)?;
            // Atomic on POSIX: readers see the old entry or the new one.
            fs::rename(&temp, &path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    pub(crate) fn claim_path(&self, name: &str) -> io::Result<PathBuf> {
        let path = self.path(name)?;
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| io::Error::other("entry path has no name"))?;
        Ok(path.with_file_name(format!(".claim-{file_name}")))
    }
}

impl Store for DirStore {
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }

    fn locate(&self, name: &str) -> String {
        self.path(name)
            .map_or_else(|_| name.to_owned(), |p| p.display().to_string())
    }

    fn open(&self, name: &str) -> io::Result<Option<Stored>> {
        let path = self.path(name)?;
        let file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        Ok(Some(Stored {
            reader: Box::new(io::BufReader::with_capacity(64 * 1024, file)),
            len: meta.len(),
        }))
    }

    fn put(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.put_named(name, &mut temp_name, write)
    }

    /// An exclusive lock (`flock`) on `.claim-NAME` next to the entry:
    /// held by one open file at a time, in this process or another one on
    /// the same file system, and released when the holder exits however it
    /// exits. The holder removes the file before it lets go; a waiter that
    /// then holds a removed file opens the name again.
    fn claim(&self, name: &str) -> io::Result<Option<Claim>> {
        let path = self.claim_path(name)?;
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        loop {
            let file = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?;
            lock(&file)?;
            if same_file(&file, &path)? {
                return Ok(Some(Claim::new(ClaimFile { path, _file: file })));
            }
        }
    }

    fn touch(&self, name: &str) {
        if let Ok(path) = self.path(name) {
            if let Ok(f) = fs::OpenOptions::new().write(true).open(path) {
                let _ = f.set_modified(SystemTime::now());
            }
        }
    }

    fn record_run(&self, run: &RunStats) -> io::Result<()> {
        let path = self.dir.join(RUNS);
        let mut line = serde_json::to_vec(run).map_err(io::Error::other)?;
        line.push(b'\n');
        // One short write with O_APPEND: concurrent runs' lines do not
        // interleave.
        let mut f = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)?;
        f.write_all(&line)?;
        if f.metadata()?.len() > MAX_RUNS_LOG {
            let runs = self.runs()?;
            let mut text = Vec::new();
            for r in &runs {
                text.extend(serde_json::to_vec(r).map_err(io::Error::other)?);
                text.push(b'\n');
            }
            let temp = self.dir.join(temp_name());
            fs::write(&temp, text)?;
            fs::rename(&temp, &path)?;
        }
        Ok(())
    }
}
