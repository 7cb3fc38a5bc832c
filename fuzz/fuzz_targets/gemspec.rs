//! Installed gemspecs (Ruby source read without evaluating it): one in a
//! `specifications` directory and one among Ruby's default gems, through
//! the catalogers and every renderer. Parts (`sbomctl_fuzz::SEP`): the two
//! gemspecs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 2);
    let names = [
        "usr/share/rubygems-integration/all/specifications/gem-1.0.gemspec",
        "usr/lib/ruby/gems/3.1.0/specifications/default/dep-2.0.gemspec",
    ];
    let files: Vec<(&str, &[u8])> = names.into_iter().zip(parts.iter().copied()).collect();
    sbomctl_fuzz::catalog_files(&files, SourceKind::Image);
});
