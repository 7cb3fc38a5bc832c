//! Merkle tree inclusion proofs of [RFC 6962] / [RFC 9162 §2.1.3], as Rekor
//! (v1 and v2) returns them.
//!
//! [RFC 6962]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1
//! [RFC 9162 §2.1.3]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3

use sha2::{Digest as _, Sha256};

use crate::{Error, Result};

fn proof_error(message: impl Into<String>) -> Error {
    Error::Verification {
        check: crate::verify::Check::InclusionProof,
        message: message.into(),
    }
}

/// The leaf hash of an entry: `SHA-256(0x00 ‖ entry)`.
#[must_use]
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(entry)
        .finalize()
        .into()
}

/// The hash of an inner node: `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root hash that `proof` leads to from `leaf` at `index` in a tree of
/// `tree_size` leaves (RFC 9162 §2.1.3.2).
///
/// # Errors
/// `inclusion proof` when the index is outside the tree, the proof has the
/// wrong number of hashes or a hash is not 32 bytes.
pub fn root_from_inclusion_proof(
    leaf: &[u8; 32],
    index: u64,
    tree_size: u64,
    proof: &[Vec<u8>],
) -> Result<[u8; 32]> {
    if index >= tree_size {
        return Err(proof_error(format!(
            "index {index} is not inside a tree of size {tree_size}"
        )));
    }
    if let Some(bad) = proof.iter().find(|h| h.len() != 32) {
        return Err(proof_error(format!(
            "proof hash of {} bytes (expected 32)",
            bad.len()
        )));
    }
    // Hashes on the path below the point where the paths to `index` and to
    // the last leaf diverge ("inner"), then the left siblings on the right
    // border of the tree ("border").
    let inner = (u64::BITS - (index ^ (tree_size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    if proof.len() != inner + border {
        return Err(proof_error(format!(
            "proof has {} hashes, a tree of size {tree_size} needs {} for index {index}",
            proof.len(),
            inner + border
        )));
    }
    let (inner_hashes, border_hashes) = proof.split_at(inner);
    let mut hash = *leaf;
    for (i, sibling) in inner_hashes.iter().enumerate() {
        hash = if (index >> i) & 1 == 0 {
            node_hash(&hash, sibling)
        } else {
            node_hash(sibling, &hash)
        };
    }
    for sibling in border_hashes {
        hash = node_hash(sibling, &hash);
    }
    Ok(hash)
}

/// Verifies that `entry` (the canonicalized Rekor body) is leaf `index` of
/// the tree of `tree_size` leaves with root `root_hash`.
///
/// # Errors
/// `inclusion proof` when the proof is malformed or leads to another root.
pub fn verify_inclusion(
    entry: &[u8],
    index: i64,
    tree_size: i64,
    proof: &[Vec<u8>],
    root_hash: &[u8],
) -> Result<()> {
    let index =
        u64::try_from(index).map_err(|_| proof_error(format!("negative log index {index}")))?;
    let tree_size = u64::try_from(tree_size)
        .map_err(|_| proof_error(format!("negative tree size {tree_size}")))?;
    let computed = root_from_inclusion_proof(&leaf_hash(entry), index, tree_size, proof)?;
    if computed.as_slice() != root_hash {
        return Err(proof_error(format!(
            "computed root {} does not match the proof's root hash {}",
            hex::encode(computed),
            hex::encode(root_hash)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The root of a tree over `leaves` by the RFC 6962 definition (MTH).
    fn mth(leaves: &[&[u8]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest(b"").into(),
            1 => leaf_hash(leaves[0]),
            n => {
                let k = n.next_power_of_two() / 2;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// The audit path by the RFC 6962 definition (PATH).
    fn path(m: usize, leaves: &[&[u8]]) -> Vec<Vec<u8>> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = n.next_power_of_two() / 2;
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]).to_vec());
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]).to_vec());
            p
        }
    }

    #[test]
    fn verifies_every_leaf_of_small_trees() {
        let data: Vec<Vec<u8>> = (0..13u8).map(|i| vec![i; 3]).collect();
        for size in 1..=data.len() {
            let leaves: Vec<&[u8]> = data[..size].iter().map(Vec::as_slice).collect();
            let root = mth(&leaves);
            for m in 0..size {
                let p = path(m, &leaves);
                verify_inclusion(leaves[m], m as i64, size as i64, &p, &root).unwrap();
                assert!(verify_inclusion(b"other", m as i64, size as i64, &p, &root).is_err());
                if !p.is_empty() {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert!(
                        verify_inclusion(leaves[m], m as i64, size as i64, &bad, &root).is_err()
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_index_outside_tree_and_wrong_length() {
        let root = leaf_hash(b"a");
        assert!(verify_inclusion(b"a", 1, 1, &[], &root).is_err());
        assert!(verify_inclusion(b"a", -1, 1, &[], &root).is_err());
        assert!(verify_inclusion(b"a", 0, 1, &[vec![0; 32]], &root).is_err());
        verify_inclusion(b"a", 0, 1, &[], &root).unwrap();
    }
}
