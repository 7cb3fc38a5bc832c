//! sbomctl-catalog: read a container image (registry, OCI layout, archive or
//! root-filesystem directory), stream its layers once and in parallel, and
//! catalog the packages it holds: apk, deb, rpm, npm, pip, gem, Composer,
//! NuGet, Java archives and the modules of Go and `cargo auditable` binaries.
//!
//! The main types are [`Source`] (where the image comes from), the
//! [`cataloger::Cataloger`] trait, and [`Catalog`] (the result).
//!
//! ```no_run
//! let source = sbomctl_catalog::Source::parse("oci-dir:testdata/images/alpine-sample-oci").unwrap();
//! let catalog = sbomctl_catalog::catalog(&source, &sbomctl_catalog::Options::default()).unwrap();
//! for p in &catalog.packages {
//!     println!("{} {} {}", p.name, p.version, p.purl);
//! }
//! ```
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

pub mod cache;
pub mod cataloger;
pub mod check;
pub mod cpe;
pub mod diff;
mod error;
pub mod layer;
pub mod license;
pub mod model;
pub mod purl;

pub mod distro;
pub mod format;
pub mod relate;
pub mod scan;
pub mod select;
pub mod source;
pub mod version;

pub use error::{Error, Result};
pub use model::{Catalog, Scope};
pub use scan::{catalog, Options, Progress};
pub use source::Source;

/// Largest file a cataloger is handed whole; larger files are cut and a
/// diagnostic says so.
pub const MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;
