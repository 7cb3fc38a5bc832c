//! npm cataloger (placeholder until its parser lands).

use super::{Cataloger, Context, FileTree, Findings};

/// The npm cataloger.
pub struct NpmCataloger;

impl Cataloger for NpmCataloger {
    fn name(&self) -> &'static str {
        "npm-cataloger"
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn catalog(&self, _files: &FileTree, _ctx: &Context, _out: &mut Findings) {}
}
