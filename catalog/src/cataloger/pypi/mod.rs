//! pypi cataloger (placeholder until its parser lands).

use super::{Cataloger, Context, FileTree, Findings};

/// The pypi cataloger.
pub struct PypiCataloger;

impl Cataloger for PypiCataloger {
    fn name(&self) -> &'static str {
        "pypi-cataloger"
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn catalog(&self, _files: &FileTree, _ctx: &Context, _out: &mut Findings) {}
}
