//! The transparency-log format against published vectors and properties: the RFC 6962 tree and
//! its proofs (known answers from transparency-dev/merkle, every proof for every pair of sizes,
//! every alteration refused), signed notes (the C2SP signed-note example and the Go
//! `sumdb/note` test vectors) and checkpoints.

use proptest::prelude::*;
use proto_events::tlog::checkpoint::{self, Checkpoint, CheckpointError};
use proto_events::tlog::note::{self, KeyName, NoteError, NoteSigner, NoteVerifier};
use proto_events::tlog::tree::{self, MemoryTree, Nodes};
use proto_events::tlog::{
    verify_consistency, verify_inclusion, LeafIndex, Node, ProofVerifyError, TreeHash, TreeSize,
};
use proto_events::{Hash, Seq};

// Known answers: transparency-dev/merkle at commit 417fb0c314750d94e53942e9f92e79b6d35915db,
// `testonly/constants.go` (LeafInputs, NodeHashes, RootHashes) and `cmd/proofgen/main.go`
// (inclusionProofs with 1-based leaf indices, consistencyProofs): the reference tree of the Go
// and Java (certificate-transparency-java) implementations.
const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];
/// (leaf index, 0-based; tree size; proof).
const INCLUSION_PROOFS: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];
/// (from size; to size; proof).
const CONSISTENCY_PROOFS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(text: &str) -> TreeHash {
    TreeHash(hex::decode(text).unwrap().try_into().unwrap())
}

fn hashes(texts: &[&str]) -> Vec<TreeHash> {
    texts.iter().map(|text| h(text)).collect()
}

fn reference_tree(size: usize) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for input in &LEAF_INPUTS[..size] {
        tree.push(tree::leaf_hash(&hex::decode(input).unwrap())).unwrap();
    }
    tree
}

/// A tree of `size` leaves whose data is the leaf's index, big-endian.
fn counting_tree(size: u64) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for index in 0..size {
        tree.push(tree::leaf_hash(&index.to_be_bytes())).unwrap();
    }
    tree
}

#[test]
fn reference_roots_and_nodes() {
    assert_eq!(tree::empty_root(), h(ROOTS[0]));
    for (size, root) in ROOTS.iter().enumerate() {
        let tree = reference_tree(size);
        assert_eq!(tree.root(), h(root), "root of size {size}");
        assert_eq!(tree::root(&tree, TreeSize(size as u64)).unwrap(), h(root));
    }
    let full = reference_tree(8);
    for (level, row) in NODES.iter().enumerate() {
        for (index, node) in row.iter().enumerate() {
            let node_id = Node { level: level as u8, index: index as u64 };
            assert_eq!(full.node(node_id).unwrap(), h(node), "{node_id:?}");
        }
    }
}

#[test]
fn reference_inclusion_proofs() {
    let full = reference_tree(8);
    for (index, size, expected) in INCLUSION_PROOFS {
        let proof = tree::inclusion_proof(&full, LeafIndex(index), TreeSize(size)).unwrap();
        assert_eq!(proof, hashes(expected), "leaf {index} in size {size}");
        let leaf = full.node(Node { level: 0, index }).unwrap();
        let root = h(ROOTS[size as usize]);
        verify_inclusion(&leaf, LeafIndex(index), TreeSize(size), &proof, &root).unwrap();
    }
}

#[test]
fn reference_consistency_proofs() {
    let full = reference_tree(8);
    for (from, to, expected) in CONSISTENCY_PROOFS {
        let proof = tree::consistency_proof(&full, TreeSize(from), TreeSize(to)).unwrap();
        assert_eq!(proof, hashes(expected), "{from} → {to}");
        let (old, new) = (h(ROOTS[from as usize]), h(ROOTS[to as usize]));
        verify_consistency(TreeSize(from), TreeSize(to), &proof, &old, &new).unwrap();
    }
}

#[test]
fn empty_and_equal_sizes_follow_the_rfc() {
    let full = reference_tree(8);
    let empty = tree::empty_root();
    let root = h(ROOTS[5]);
    assert_eq!(tree::consistency_proof(&full, TreeSize(0), TreeSize(5)).unwrap(), vec![]);
    verify_consistency(TreeSize(0), TreeSize(5), &[], &empty, &root).unwrap();
    verify_consistency(TreeSize(0), TreeSize(0), &[], &empty, &empty).unwrap();
    // From size 0: only the empty root, only an empty proof.
    assert!(matches!(
        verify_consistency(TreeSize(0), TreeSize(5), &[], &root, &root),
        Err(ProofVerifyError::OldRootMismatch { size: 0, .. })
    ));
    assert!(matches!(
        verify_consistency(TreeSize(0), TreeSize(5), &[root], &empty, &root),
        Err(ProofVerifyError::ProofNotEmpty { .. })
    ));
    // Equal sizes: an empty proof and one root (two roots for one size is a split view).
    verify_consistency(TreeSize(5), TreeSize(5), &[], &root, &root).unwrap();
    assert!(matches!(
        verify_consistency(TreeSize(5), TreeSize(5), &[], &root, &h(ROOTS[6])),
        Err(ProofVerifyError::SplitView { size: 5, .. })
    ));
    assert!(matches!(
        verify_consistency(TreeSize(5), TreeSize(5), &[root], &root, &root),
        Err(ProofVerifyError::ProofNotEmpty { .. })
    ));
    assert!(matches!(
        verify_consistency(TreeSize(6), TreeSize(5), &[], &root, &root),
        Err(ProofVerifyError::SizesReversed { from: 6, to: 5 })
    ));
    assert!(matches!(
        verify_consistency(TreeSize(3), TreeSize(5), &[], &h(ROOTS[3]), &root),
        Err(ProofVerifyError::ProofEmpty { from: 3, to: 5 })
    ));
    assert!(matches!(
        tree::inclusion_proof(&full, LeafIndex(5), TreeSize(5)),
        Err(tree::ProofError::LeafBeyondSize { index: 5, size: 5 })
    ));
}

#[test]
fn a_proof_longer_than_any_tree_is_refused_before_hashing() {
    let root = h(ROOTS[8]);
    let proof = vec![root; 129];
    assert!(matches!(
        verify_inclusion(&root, LeafIndex(0), TreeSize(8), &proof, &root),
        Err(ProofVerifyError::TooManyHashes { found: 129, max: 128 })
    ));
}

#[test]
fn every_proof_for_every_pair_of_sizes_up_to_200_verifies() {
    const SIZE_MAX: u64 = 200;
    let full = counting_tree(SIZE_MAX);
    let roots: Vec<TreeHash> =
        (0..=SIZE_MAX).map(|size| tree::root(&full, TreeSize(size)).unwrap()).collect();
    for to in 0..=SIZE_MAX {
        let root = roots[to as usize];
        for index in 0..to {
            let leaf = full.node(Node { level: 0, index }).unwrap();
            let proof = tree::inclusion_proof(&full, LeafIndex(index), TreeSize(to)).unwrap();
            verify_inclusion(&leaf, LeafIndex(index), TreeSize(to), &proof, &root).unwrap();
        }
        for from in 0..=to {
            let proof = tree::consistency_proof(&full, TreeSize(from), TreeSize(to)).unwrap();
            let old = roots[from as usize];
            verify_consistency(TreeSize(from), TreeSize(to), &proof, &old, &root).unwrap();
        }
    }
}

/// Every way of altering an inclusion proof that the verifier must refuse.
fn altered_inclusions(
    leaf: TreeHash,
    index: u64,
    size: u64,
    proof: &[TreeHash],
) -> Vec<(String, TreeHash, u64, u64, Vec<TreeHash>)> {
    let mut cases = Vec::new();
    let flipped = |hash: &TreeHash| {
        let mut bytes = hash.0;
        bytes[0] ^= 1;
        TreeHash(bytes)
    };
    cases.push(("leaf".to_string(), flipped(&leaf), index, size, proof.to_vec()));
    for (position, hash) in proof.iter().enumerate() {
        let mut changed = proof.to_vec();
        changed[position] = flipped(hash);
        cases.push((format!("hash {position}"), leaf, index, size, changed));
    }
    for position in 1..proof.len() {
        let mut swapped = proof.to_vec();
        swapped.swap(position - 1, position);
        if swapped != proof {
            cases.push((format!("swap {position}"), leaf, index, size, swapped));
        }
    }
    if !proof.is_empty() {
        cases.push(("truncated".into(), leaf, index, size, proof[..proof.len() - 1].to_vec()));
    }
    let mut longer = proof.to_vec();
    longer.push(leaf);
    cases.push(("extended".into(), leaf, index, size, longer));
    cases.push(("index + 1".into(), leaf, index + 1, size, proof.to_vec()));
    if index > 0 {
        cases.push(("index - 1".into(), leaf, index - 1, size, proof.to_vec()));
    }
    // A size one off may give the same path (leaf 0 of 3 and of 4 hash alike): the root binds
    // the size, so the checkpoint's size is what a proof's size is compared with (`proof verify`).
    cases.push(("size doubled".into(), leaf, index, size * 2, proof.to_vec()));
    if size / 2 > index {
        cases.push(("size halved".into(), leaf, index, size / 2, proof.to_vec()));
    }
    cases
}

#[test]
fn every_inclusion_proof_verifies_and_every_alteration_fails() {
    const SIZE_MAX: u64 = 70;
    let full = counting_tree(SIZE_MAX);
    for size in 1..=SIZE_MAX {
        let root = tree::root(&full, TreeSize(size)).unwrap();
        assert_eq!(root, counting_tree(size).root());
        for index in 0..size {
            let leaf = full.node(Node { level: 0, index }).unwrap();
            let proof = tree::inclusion_proof(&full, LeafIndex(index), TreeSize(size)).unwrap();
            verify_inclusion(&leaf, LeafIndex(index), TreeSize(size), &proof, &root).unwrap();
            for (what, leaf, index, size, proof) in altered_inclusions(leaf, index, size, &proof) {
                let result =
                    verify_inclusion(&leaf, LeafIndex(index), TreeSize(size), &proof, &root);
                assert!(result.is_err(), "{what}: leaf {index} of {size} verified");
            }
        }
    }
}

#[test]
fn every_consistency_proof_verifies_and_every_alteration_fails() {
    const SIZE_MAX: u64 = 70;
    let full = counting_tree(SIZE_MAX);
    let roots: Vec<TreeHash> =
        (0..=SIZE_MAX).map(|size| tree::root(&full, TreeSize(size)).unwrap()).collect();
    for to in 0..=SIZE_MAX {
        for from in 0..=to {
            let proof = tree::consistency_proof(&full, TreeSize(from), TreeSize(to)).unwrap();
            let (old, new) = (roots[from as usize], roots[to as usize]);
            verify_consistency(TreeSize(from), TreeSize(to), &proof, &old, &new).unwrap();
            check_consistency_alterations(from, to, &proof, &roots);
        }
    }
}

fn check_consistency_alterations(from: u64, to: u64, proof: &[TreeHash], roots: &[TreeHash]) {
    let (old, new) = (roots[from as usize], roots[to as usize]);
    let refused = |what: &str, from: u64, to: u64, proof: &[TreeHash], old, new| {
        let result = verify_consistency(TreeSize(from), TreeSize(to), proof, &old, &new);
        assert!(result.is_err(), "{what}: {from} → {to} verified");
    };
    for position in 0..proof.len() {
        let mut changed = proof.to_vec();
        changed[position].0[31] ^= 0x80;
        refused("changed hash", from, to, &changed, old, new);
        if position > 0 && proof[position - 1] != proof[position] {
            let mut swapped = proof.to_vec();
            swapped.swap(position - 1, position);
            refused("swapped", from, to, &swapped, old, new);
        }
    }
    if !proof.is_empty() {
        refused("truncated", from, to, &proof[..proof.len() - 1], old, new);
    }
    let mut longer = proof.to_vec();
    longer.push(new);
    refused("extended", from, to, &longer, old, new);
    if from != to {
        refused("roots swapped", from, to, proof, new, old);
        refused("old size + 1", from + 1, to, proof, old, new);
        let mut wrong_old = old;
        wrong_old.0[0] ^= 1;
        refused("old root", from, to, proof, wrong_old, new);
    }
    let mut wrong_new = new;
    wrong_new.0[0] ^= 1;
    if from > 0 || to == 0 {
        refused("new root", from, to, proof, old, wrong_new);
    }
    // From the empty tree nothing is proven but the empty root, whatever the newer size.
    if from > 0 {
        // As for inclusion, a newer size one off may give the same path: the root binds it.
        refused("new size doubled", from, to * 2, proof, old, new);
        refused("old size - 1", from - 1, to, proof, old, new);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Sizes up to ~200 in random pairs: every proof verifies; one flipped bit anywhere fails.
    #[test]
    fn proofs_verify_for_random_sizes_up_to_200(
        to in 1u64..=200, from_share in 0u64..=1000, index_share in 0u64..1000, bit in 0usize..256,
    ) {
        let full = counting_tree(to);
        let from = to * from_share / 1000;
        let index = to * index_share / 1000;
        let root = full.root();
        let old = tree::root(&full, TreeSize(from)).unwrap();
        let leaf = full.node(Node { level: 0, index }).unwrap();
        let inclusion = tree::inclusion_proof(&full, LeafIndex(index), TreeSize(to)).unwrap();
        prop_assert!(verify_inclusion(&leaf, LeafIndex(index), TreeSize(to), &inclusion, &root).is_ok());
        let consistency = tree::consistency_proof(&full, TreeSize(from), TreeSize(to)).unwrap();
        prop_assert!(verify_consistency(TreeSize(from), TreeSize(to), &consistency, &old, &root).is_ok());
        if !inclusion.is_empty() {
            let mut changed = inclusion.clone();
            let at = bit % changed.len();
            changed[at].0[(bit / 8) % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(&leaf, LeafIndex(index), TreeSize(to), &changed, &root).is_err());
        }
        if !consistency.is_empty() {
            let mut changed = consistency.clone();
            let at = bit % changed.len();
            changed[at].0[(bit / 8) % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(TreeSize(from), TreeSize(to), &changed, &old, &root).is_err());
        }
    }
}

// Signed notes. The example of C2SP signed-note (C2SP/C2SP `signed-note.md`, "Example", at commit
// 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9), and the Go reference's test vectors
// (golang.org/x/mod `sumdb/note/note_test.go`: TestNewVerifier, TestSign, TestOpen).
const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn verifier(text: &str) -> NoteVerifier {
    NoteVerifier::parse(text).unwrap()
}

#[test]
fn the_specification_example_verifies() {
    let opened = note::open(SPEC_NOTE.as_bytes(), &[verifier(SPEC_VKEY)]).unwrap();
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(verifier(SPEC_VKEY).to_text(), SPEC_VKEY);
}

#[test]
fn the_go_signer_signs_byte_for_byte_and_its_keys_round_trip() {
    let signer = NoteSigner::parse(PETER_SKEY).unwrap();
    assert_eq!(signer.to_text(), PETER_SKEY);
    assert_eq!(signer.verifier().to_text(), PETER_VKEY);
    assert_eq!(signer.sign(PETER_TEXT).unwrap(), format!("{PETER_TEXT}\n{PETER_SIG}"));
    assert_eq!(format!("{signer:?}"), "NoteSigner(PeterNeumann+c74f20a3)");
    assert!(matches!(signer.sign("abc"), Err(NoteError::BadText)));
}

#[test]
fn mangled_verifier_keys_are_refused() {
    // As TestNewVerifier: every proper substring and every byte incremented.
    let bytes = PETER_VKEY.as_bytes();
    for start in 0..=bytes.len() {
        for end in start + 1..=bytes.len() {
            if start != 0 || end != bytes.len() {
                let part = String::from_utf8_lossy(&bytes[start..end]);
                assert!(NoteVerifier::parse(&part).is_err(), "{part}");
            }
        }
    }
    for at in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[at] += 1;
        let changed = String::from_utf8_lossy(&changed);
        assert!(NoteVerifier::parse(&changed).is_err(), "{changed}");
    }
    assert!(NoteVerifier::parse(
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    )
    .is_err());
}

#[test]
fn open_keeps_unknown_signatures_and_verifies_known_ones() {
    let note = format!("{PETER_TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let opened = note::open(note.as_bytes(), &[verifier(PETER_VKEY)]).unwrap();
    assert_eq!(opened.text, PETER_TEXT);
    assert_eq!(opened.signed_by.len(), 1);
    assert_eq!(opened.unknown.len(), 1);
    assert_eq!(opened.unknown[0].name, "EnochRoot");
    let both = note::open(note.as_bytes(), &[verifier(PETER_VKEY), verifier(ENOCH_VKEY)]).unwrap();
    assert_eq!(both.signed_by.len(), 2);
    assert!(matches!(note::open(note.as_bytes(), &[]), Err(NoteError::NoKnownSignature { .. })));
}

#[test]
fn notes_are_refused_as_go_refuses_them_and_stricter() {
    let peter = [verifier(PETER_VKEY)];
    let check = |note: &[u8], expected: fn(&NoteError) -> bool| {
        let result = note::open(note, &peter);
        assert!(
            result.as_ref().is_err_and(expected),
            "{:?}: {result:?}",
            String::from_utf8_lossy(note)
        );
    };
    // TestOpen's malformed messages.
    check(PETER_TEXT.as_bytes(), |e| {
        matches!(e, NoteError::NoSignatureBlock | NoteError::MalformedSignature { .. })
    });
    check(format!("{PETER_TEXT}\n").as_bytes(), |e| {
        matches!(e, NoteError::NoKnownSignature { .. })
    });
    let unterminated = format!("{PETER_TEXT}\n{}", PETER_SIG.trim_end_matches('\n'));
    check(unterminated.as_bytes(), |e| matches!(e, NoteError::NoFinalNewline));
    check(format!("\x01{PETER_TEXT}\n{PETER_SIG}").as_bytes(), |e| {
        matches!(e, NoteError::ControlCharacter(1))
    });
    let mut not_utf8 = vec![0xff];
    not_utf8.extend_from_slice(format!("{PETER_TEXT}\n{PETER_SIG}").as_bytes());
    check(&not_utf8, |e| matches!(e, NoteError::NotUtf8));
    let bad_name = format!("{PETER_TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n");
    check(bad_name.as_bytes(), |e| matches!(e, NoteError::MalformedSignature { .. }));
    let extra = format!("{PETER_TEXT}\n{PETER_SIG}Unexpected line.\n");
    check(extra.as_bytes(), |e| matches!(e, NoteError::MalformedSignature { line: 2, .. }));
    let many = format!("{PETER_TEXT}\n{}", PETER_SIG.repeat(101));
    check(many.as_bytes(), |e| {
        matches!(e, NoteError::TooManySignatures { .. } | NoteError::DuplicateSignature { .. })
    });
    // An invalid signature (TestOpen inserts "ABCD" at byte 60).
    let forged = format!("{PETER_TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    check(forged.as_bytes(), |e| matches!(e, NoteError::BadSignature { .. }));
    // Stricter than Go, which drops a repeated signature of a known key: refused.
    let twice = format!("{PETER_TEXT}\n{PETER_SIG}{PETER_SIG}");
    check(twice.as_bytes(), |e| matches!(e, NoteError::DuplicateSignature { .. }));
    // A changed byte of the text.
    let changed = format!("{}\n{PETER_SIG}", PETER_TEXT.replace("cryptography", "cryptographY"));
    check(changed.as_bytes(), |e| matches!(e, NoteError::BadSignature { .. }));
    // A note by another key only.
    let other = format!("{PETER_TEXT}\n{ENOCH_SIG}");
    check(other.as_bytes(), |e| matches!(e, NoteError::NoKnownSignature { .. }));
}

fn log_signer() -> NoteSigner {
    NoteSigner::from_seed(KeyName::new("letopis.example/region-42").unwrap(), [7; 32])
}

fn sample_checkpoint() -> Checkpoint {
    Checkpoint {
        origin: KeyName::new("letopis.example/region-42").unwrap(),
        size: TreeSize(8),
        root: h(ROOTS[8]),
        chain_head: Some((Seq(8), Hash([0xab; 32]))),
    }
}

#[test]
fn a_checkpoint_signs_parses_and_opens() {
    let signer = log_signer();
    let checkpoint = sample_checkpoint();
    let text = checkpoint.text();
    assert_eq!(
        text,
        format!(
            "letopis.example/region-42\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nchain-head 8:{}\n",
            "ab".repeat(32)
        )
    );
    let note = checkpoint.sign(&signer).unwrap();
    let (opened, _) = checkpoint::open(note.as_bytes(), &signer.verifier()).unwrap();
    assert_eq!(opened, checkpoint);
    let empty =
        Checkpoint { size: TreeSize(0), root: tree::empty_root(), chain_head: None, ..checkpoint };
    assert_eq!(Checkpoint::parse(&empty.text()).unwrap(), empty);
}

#[test]
fn checkpoints_are_refused_when_altered_or_malformed() {
    let signer = log_signer();
    let note = sample_checkpoint().sign(&signer).unwrap();
    // Every single changed byte of the note is refused.
    for at in 0..note.len() {
        let mut changed = note.clone().into_bytes();
        changed[at] ^= 0x01;
        assert!(checkpoint::open(&changed, &signer.verifier()).is_err(), "byte {at}");
    }
    let other = NoteSigner::from_seed(KeyName::new("letopis.example/region-42").unwrap(), [8; 32]);
    assert!(matches!(
        checkpoint::open(note.as_bytes(), &other.verifier()),
        Err(CheckpointError::Note(NoteError::NoKnownSignature { .. }))
    ));
    let foreign = NoteSigner::from_seed(KeyName::new("elsewhere.example/log").unwrap(), [7; 32]);
    assert!(matches!(
        sample_checkpoint().sign(&foreign),
        Err(CheckpointError::OriginMismatch { .. })
    ));
    for text in [
        "o\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQy=\n",
        "o\n8\n",
        "o\n-8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nchain-head 7:00\n",
        "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nsomething else\n",
        "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
    ] {
        assert!(Checkpoint::parse(text).is_err(), "{text:?}");
    }
    let wrong_seq = format!(
        "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nchain-head 7:{}\n",
        "ab".repeat(32)
    );
    assert!(matches!(
        Checkpoint::parse(&wrong_seq),
        Err(CheckpointError::ChainHeadBeyondSize { seq: 7, size: 8 })
    ));
}
