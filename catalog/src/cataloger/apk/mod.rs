//! apk cataloger (placeholder until its parser lands).

use super::{Cataloger, Context, FileTree, Findings};

/// The apk cataloger.
pub struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        "apk-cataloger"
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn catalog(&self, _files: &FileTree, _ctx: &Context, _out: &mut Findings) {}
}
