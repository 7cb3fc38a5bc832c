//! Benchmarks for sbomctl-catalog.
