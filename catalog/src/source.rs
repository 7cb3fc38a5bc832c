//! Where an image comes from: the scheme prefixes syft users type, or a
//! sniffed path, or a registry reference.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Error, Result};
use sbomctl_oci::archive::{open_docker_archive, TarIndex};
use sbomctl_oci::layout::{is_layout_dir, Layout};
use sbomctl_oci::reference::Reference;
use sbomctl_oci::registry::{RegistryClient, RegistryOptions};
use sbomctl_oci::{resolve, Image, PlatformSpec};

/// A source to catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `registry:REF`, or a bare reference that is not an existing path.
    Registry(String),
    /// `docker-archive:FILE`.
    DockerArchive(PathBuf),
    /// `oci-archive:FILE`.
    OciArchive(PathBuf),
    /// `oci-dir:DIR`.
    OciDir(PathBuf),
    /// `dir:DIR`, a root filesystem or project directory.
    Dir(PathBuf),
}

/// What opening a source gives.
#[derive(Debug)]
pub enum Opened {
    /// An image resolved to one platform.
    Image(Box<Image>),
    /// A directory to walk.
    Dir(PathBuf),
}

impl Source {
    /// Parses `SCHEME:VALUE`, or sniffs an existing path, or takes the
    /// input as a registry reference.
    pub fn parse(input: &str) -> Result<Source> {
        let err = |m: &str| Error::Source {
            source_ref: input.to_owned(),
            message: m.to_owned(),
        };
        if let Some((scheme, rest)) = input.split_once(':') {
            let path = || -> Result<PathBuf> {
                if rest.is_empty() {
                    Err(err("missing path after the scheme"))
                } else {
                    Ok(PathBuf::from(rest))
                }
            };
            match scheme {
                "registry" => {
                    if rest.is_empty() {
                        return Err(err("missing reference after registry:"));
                    }
                    return Ok(Source::Registry(rest.to_owned()));
                }
                "docker-archive" => return Ok(Source::DockerArchive(path()?)),
                "oci-archive" => return Ok(Source::OciArchive(path()?)),
                "oci-dir" => return Ok(Source::OciDir(path()?)),
                "dir" => return Ok(Source::Dir(path()?)),
                "docker" | "podman" | "containerd" | "singularity" | "file" => {
                    return Err(err(&format!(
                        "the `{scheme}:` scheme is not supported (use registry:, docker-archive:, oci-archive:, oci-dir: or dir:)"
                    )))
                }
                _ => {}
            }
        }
        let path = Path::new(input);
        if path.exists() {
            return Self::sniff(path);
        }
        Ok(Source::Registry(input.to_owned()))
    }

    /// Decides what an existing path holds.
    fn sniff(path: &Path) -> Result<Source> {
        if path.is_dir() {
            return Ok(if is_layout_dir(path) {
                Source::OciDir(path.to_owned())
            } else {
                Source::Dir(path.to_owned())
            });
        }
        let index = TarIndex::open(path)?;
        if index.member("oci-layout").is_some() && index.member("index.json").is_some() {
            Ok(Source::OciArchive(path.to_owned()))
        } else if index.member("manifest.json").is_some() {
            Ok(Source::DockerArchive(path.to_owned()))
        } else {
            Err(Error::Source {
                source_ref: path.display().to_string(),
                message: "a tar file that is neither an OCI archive (oci-layout) nor a docker archive (manifest.json)".to_owned(),
            })
        }
    }

    /// The transport name (`registry`, `oci-dir`, …).
    pub fn transport(&self) -> &'static str {
        match self {
            Source::Registry(_) => "registry",
            Source::DockerArchive(_) => "docker-archive",
            Source::OciArchive(_) => "oci-archive",
            Source::OciDir(_) => "oci-dir",
            Source::Dir(_) => "dir",
        }
    }

    /// Opens the source: resolves an image to the platform's manifest, or
    /// checks a directory.
    pub fn open(&self, platform: &PlatformSpec, registry: &RegistryOptions) -> Result<Opened> {
        let name = self.to_string();
        match self {
            Source::Registry(r) => {
                let reference = Reference::parse(r)?;
                let client = RegistryClient::new(&reference, registry)?;
                let image = resolve(
                    &reference.to_string(),
                    Box::new(client),
                    reference.reference_str(),
                    platform,
                )?;
                Ok(Opened::Image(Box::new(image)))
            }
            Source::OciDir(p) => {
                let layout = Layout::open(p.clone())?;
                let image = resolve(&name, Box::new(layout), "", platform)?;
                Ok(Opened::Image(Box::new(image)))
            }
            Source::OciArchive(p) => {
                let layout = Layout::open(TarIndex::open(p)?)?;
                let image = resolve(&name, Box::new(layout), "", platform)?;
                Ok(Opened::Image(Box::new(image)))
            }
            Source::DockerArchive(p) => Ok(Opened::Image(Box::new(open_docker_archive(
                &name, p, None,
            )?))),
            Source::Dir(p) => {
                let md = fs::metadata(p).map_err(|e| Error::io(p, e))?;
                if !md.is_dir() {
                    return Err(Error::Source {
                        source_ref: name,
                        message: "not a directory".to_owned(),
                    });
                }
                Ok(Opened::Dir(p.clone()))
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Registry(r) => write!(f, "{r}"),
            Source::DockerArchive(p)
            | Source::OciArchive(p)
            | Source::OciDir(p)
            | Source::Dir(p) => {
                write!(f, "{}:{}", self.transport(), p.display())
            }
        }
    }
}

/// Walks a directory without following symlinks, recording wanted files
/// (content capped like layer files, kept while `budget` lasts) and every
/// symlink, as one pseudo-layer.
pub fn walk_dir(
    root: &Path,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
) -> Result<crate::layer::LayerIndex> {
    use crate::layer::{Entry, EntryKind, LayerIndex};
    let mut entries = Vec::new();
    let mut stack = vec![(root.to_owned(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let rd = fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut children: Vec<_> = rd
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::io(&dir, e))?;
        children.sort_by_key(std::fs::DirEntry::file_name);
        for child in children {
            let name = child.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = child.file_type().map_err(|e| Error::io(child.path(), e))?;
            if ft.is_symlink() {
                let target = fs::read_link(child.path()).map_err(|e| Error::io(child.path(), e))?;
                entries.push(Entry {
                    path,
                    kind: EntryKind::Symlink(target.to_string_lossy().into_owned()),
                });
            } else if ft.is_dir() {
                stack.push((child.path(), path));
            } else if ft.is_file() && wanted.matches(&path) {
                let f = fs::File::open(child.path()).map_err(|e| Error::io(child.path(), e))?;
                let size = f.metadata().map(|m| m.len()).unwrap_or(0);
                if !budget.take(size.min(crate::MAX_FILE_SIZE)) {
                    entries.push(Entry {
                        path,
                        kind: EntryKind::Skipped {
                            size,
                            budget: budget.limit(),
                        },
                    });
                    continue;
                }
                let mut data = Vec::new();
                f.take(crate::MAX_FILE_SIZE)
                    .read_to_end(&mut data)
                    .map_err(|e| Error::io(child.path(), e))?;
                entries.push(Entry {
                    path,
                    kind: EntryKind::File {
                        data: data.into(),
                        truncated: size > crate::MAX_FILE_SIZE,
                    },
                });
            }
        }
    }
    Ok(LayerIndex {
        layer: None,
        entries,
        whiteouts: Vec::new(),
        opaque_dirs: Vec::new(),
        raw_size: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_parse() {
        assert_eq!(
            Source::parse("oci-dir:/x").unwrap(),
            Source::OciDir(PathBuf::from("/x"))
        );
        assert_eq!(
            Source::parse("registry:localhost:5000/a:b").unwrap(),
            Source::Registry("localhost:5000/a:b".into())
        );
        assert_eq!(
            Source::parse("alpine:3.19").unwrap(),
            Source::Registry("alpine:3.19".into())
        );
        assert!(Source::parse("dir:").is_err());
        assert!(Source::parse("docker:alpine")
            .unwrap_err()
            .to_string()
            .contains("not supported"));
    }
}
