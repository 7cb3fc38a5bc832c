//! OCI distribution API v2 client. Placeholder.
