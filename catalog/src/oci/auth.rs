//! Registry credentials and token auth. Placeholder.
