//! Prints a few encodings of its arguments; exists to carry a real
//! cargo-auditable `.dep-v0` section into sbomctl's real test image.
use base64::Engine as _;
use indexmap::IndexMap;
use std::collections::hash_map::RandomState;

fn main() {
    let mut counts: IndexMap<String, usize, RandomState> =
        IndexMap::with_hasher(RandomState::new());
    for arg in std::env::args().skip(1) {
        *counts.entry(arg).or_insert(0) += 1;
    }
    for (arg, n) in &counts {
        let mut buf = itoa::Buffer::new();
        println!(
            "{arg}\t{}\t{}\t{}",
            buf.format(*n),
            hex::encode(arg),
            base64::engine::general_purpose::STANDARD.encode(arg)
        );
    }
}
