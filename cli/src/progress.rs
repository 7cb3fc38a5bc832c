//! Per-layer progress bars on stderr, hidden when stderr is not a terminal
//! or with `--quiet`.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sbomctl_catalog::Progress;
use sbomctl_oci::LayerDesc;

pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<Vec<ProgressBar>>,
}

impl Bars {
    /// Bars, or `None` when they would not be seen.
    pub fn new(quiet: bool) -> Option<Arc<Bars>> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Arc::new(Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(Vec::new()),
        }))
    }

    pub fn finish(&self) {
        if let Ok(bars) = self.bars.lock() {
            for b in bars.iter() {
                b.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}

impl Progress for Bars {
    fn layers(&self, layers: &[LayerDesc]) {
        let style = ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {bytes:>10}/{total_bytes:<10} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        if let Ok(mut bars) = self.bars.lock() {
            for l in layers {
                let b = self.multi.add(ProgressBar::new(l.size.unwrap_or(0)));
                b.set_style(style.clone());
                b.set_prefix(format!("layer {}", l.index));
                b.set_message(short(&l.digest));
                bars.push(b);
            }
        }
    }

    fn advance(&self, index: usize, bytes: u64) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(b) = bars.get(index) {
                b.inc(bytes);
            }
        }
    }

    fn layer_done(&self, index: usize) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(b) = bars.get(index) {
                b.finish();
            }
        }
    }
}

fn short(digest: &str) -> String {
    digest.chars().take(19).collect()
}
