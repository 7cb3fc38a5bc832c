//! `-o FORMAT[=FILE]` targets, written atomically.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sbomctl_catalog::format::Format;

/// Where one rendering goes.
#[derive(Debug)]
pub struct Target {
    pub format: Format,
    /// `None` is stdout.
    pub file: Option<PathBuf>,
}

/// Parses every `-o` value; no value means `default`. A value without
/// `=FILE` goes to `default_file` (syft's legacy `--file`), else stdout.
/// At most one target may go to stdout, and two may not go to one file.
pub fn parse_targets(
    values: &[String],
    default: Format,
    default_file: Option<&Path>,
) -> Result<Vec<Target>> {
    if values.is_empty() {
        return Ok(vec![Target {
            format: default,
            file: default_file.map(Path::to_path_buf),
        }]);
    }
    let mut out = Vec::new();
    for v in values {
        let (name, file) = match v.split_once('=') {
            Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
            Some((_, _)) => bail!("-o {v}: missing file name after `=`"),
            None => (v.as_str(), default_file.map(Path::to_path_buf)),
        };
        let format: Format = name
            .parse()
            .map_err(|e: String| anyhow::anyhow!("-o {v}: {e}"))?;
        out.push(Target { format, file });
    }
    if out.iter().filter(|t| t.file.is_none()).count() > 1 {
        bail!("only one -o may write to stdout; give the others a file (-o FORMAT=FILE)");
    }
    let mut files: Vec<&Path> = out.iter().filter_map(|t| t.file.as_deref()).collect();
    files.sort();
    if let Some(twice) = files.windows(2).find(|w| w[0] == w[1]) {
        bail!(
            "two outputs would write {}; give each -o its own file (-o FORMAT=FILE)",
            twice[0].display()
        );
    }
    Ok(out)
}

/// Writes files first (each rendered into a temporary file in the same
/// directory, then renamed over the target, so a failure never leaves a
/// half-written file), then stdout. Each document is rendered straight
/// into its destination, never held whole. A target that exists and is not
/// a regular file (`/dev/null`, a FIFO, `/dev/stdout`) is written through,
/// never replaced: renaming over `/dev/null` as root would leave a regular
/// file there, and every later reader of /dev/null (cargo's rustc probe
/// among them) would read the SBOM.
fn write_all(
    catalog: &sbomctl_catalog::Catalog,
    targets: Vec<Target>,
    options: &sbomctl_catalog::format::RenderOptions,
) -> Result<()> {
    sbomctl_catalog::scan::log_memory("before rendering");
    let render = |format: Format, w: &mut dyn Write| {
        let rendered = sbomctl_catalog::format::render_to(catalog, format, options, w);
        sbomctl_catalog::scan::log_memory(&format!("rendered {format}"));
        rendered
    };
    let mut pending = Vec::new();
    let mut to_stdout = Vec::new();
    let mut special = Vec::new();
    for t in targets {
        match t.file {
            Some(path) if is_special(&path) => special.push((path, t.format)),
            Some(path) => {
                let tmp = stage(&path, |w| render(t.format, w))?;
                pending.push((path, tmp));
            }
            None => to_stdout.push(t.format),
        }
    }
    for (path, tmp) in pending {
        tmp.persist(&path)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    for (path, format) in special {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(anyhow::Error::from)
            .and_then(|f| {
                let mut out = std::io::BufWriter::new(f);
                render(format, &mut out)?;
                out.flush()?;
                Ok(())
            })
            .with_context(|| format!("writing {}", path.display()))?;
    }
    for format in to_stdout {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        render(format, &mut out)?;
        out.flush()?;
    }
    Ok(())
}

/// Writes `bytes` to `path` the way SBOMs are written: through a temp file
/// renamed over the target (a failure leaves what was there), or straight
/// through when the target exists and is not a regular file
/// (`/dev/null`, a FIFO).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_special(path) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .with_context(|| format!("writing {}", path.display()));
    }
    stage(path, |w| w.write_all(bytes))?
        .persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// An existing output that is neither a regular file nor a directory.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn stage(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".sbomctl-")
        .tempfile_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    // A temp file is created 0600; the result should look like any file
    // the user writes: keep the mode of the file replaced, else 0644.
    let mode = std::fs::metadata(path).map_or_else(
        |_| std::fs::Permissions::from_mode(0o644),
        |m| m.permissions(),
    );
    let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
    write(&mut buffered)
        .and_then(|()| buffered.flush())
        .with_context(|| format!("writing {}", path.display()))?;
    drop(buffered);
    tmp.as_file()
        .set_permissions(mode)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(tmp)
}

/// Prints the catalog's diagnostics on stderr (unless `quiet`), renders it
/// once per target and writes them all ([`write_all`]). `origin` prefixes
/// each diagnostic (the input file for `convert`).
pub fn emit(
    catalog: &sbomctl_catalog::Catalog,
    targets: Vec<Target>,
    options: &sbomctl_catalog::format::RenderOptions,
    quiet: bool,
    origin: Option<&str>,
) -> Result<()> {
    if !quiet {
        for d in &catalog.diagnostics {
            let level = match d.severity {
                sbomctl_catalog::model::Severity::Warning => "warning",
                sbomctl_catalog::model::Severity::Info => "info",
            };
            let origin = origin.map_or_else(String::new, |o| format!("{o}: "));
            let at = d
                .location
                .as_ref()
                .map_or_else(String::new, |l| match &l.layer {
                    Some(layer) => format!("{} (layer {}): ", l.path, layer.digest),
                    None => format!("{}: ", l.path),
                });
            // Paths and messages quote image content: one safe line each.
            let message = format!("{level}: {origin}{at}{}", d.message);
            eprintln!("sbomctl: {}", sbomctl_oci::quote::line(&message));
        }
    }
    write_all(catalog, targets, options)
}
