//! Image references (`alpine:3.19`, `ghcr.io/x/y@sha256:…`). Placeholder.
