//! Media types of what is stored: the workspace's one list,
//! [`sbomctl_oci::media_type`].

pub use sbomctl_oci::media_type::*;
