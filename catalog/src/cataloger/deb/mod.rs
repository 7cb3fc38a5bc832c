//! deb cataloger (placeholder until its parser lands).

use super::{Cataloger, Context, FileTree, Findings};

/// The deb cataloger.
pub struct DebCataloger;

impl Cataloger for DebCataloger {
    fn name(&self) -> &'static str {
        "deb-cataloger"
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn catalog(&self, _files: &FileTree, _ctx: &Context, _out: &mut Findings) {}
}
