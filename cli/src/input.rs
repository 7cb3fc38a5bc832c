//! Reading an input file (or stdin for `-`) whole, with a size limit: a
//! hostile or mistaken input (`/dev/zero`, an endless pipe) is refused
//! with one line instead of filling memory.

use std::io::Read;

use anyhow::{Context as _, Result};

/// Reads `input` (a path, or `-` for stdin), refusing more than `limit`
/// bytes; a regular file over the limit is refused before it is read.
pub fn read_bounded(input: &str, limit: u64) -> Result<Vec<u8>> {
    let name = if input == "-" { "stdin" } else { input };
    let too_large = || anyhow::anyhow!("reading {name}: larger than the {} MiB limit", limit >> 20);
    let mut bytes = Vec::new();
    if input == "-" {
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
    } else {
        let file = std::fs::File::open(input).with_context(|| format!("reading {input}"))?;
        let size = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        if size.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        // One allocation of the file's size (plus the byte that tells it
        // grew), not a doubling buffer that may end at twice the size.
        if let Some(n) = size.and_then(|n| usize::try_from(n.saturating_add(1)).ok()) {
            bytes.reserve_exact(n);
        }
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {input}"))?;
    }
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}
