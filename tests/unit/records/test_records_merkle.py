"""RFC 6962 Merkle trees: the batch receipt tree against the RFC's recursive definition."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.domain.merkle import (
    InclusionProof,
    MerkleTree,
    leaf_hash,
    reference_root,
    root_from_inclusion_proof,
    verify_inclusion,
)


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"leaf-{i}".encode()) for i in range(n)]


def test_rfc6962_hashing_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    tree = MerkleTree.from_data([b"a", b"b"])
    assert tree.root == hashlib.sha256(b"\x01" + leaf_hash(b"a") + leaf_hash(b"b")).digest()


def test_single_leaf_tree_root_is_the_leaf() -> None:
    tree = MerkleTree(_leaves(1))
    assert tree.root == tree.leaf(0)
    assert tree.proof(0).path == ()
    assert verify_inclusion(tree.leaf(0), tree.proof(0), tree.root)


@settings(max_examples=40)
@given(st.integers(min_value=1, max_value=130))
def test_root_matches_the_rfc_definition_and_every_proof_verifies(n: int) -> None:
    leaves = _leaves(n)
    tree = MerkleTree(leaves)
    assert tree.root == reference_root(leaves)
    for i in range(n):
        proof = tree.proof(i)
        assert verify_inclusion(leaves[i], proof, tree.root)


@given(st.integers(min_value=2, max_value=64), st.data())
def test_a_proof_does_not_verify_another_leaf_or_index(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    tree = MerkleTree(leaves)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    j = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda x: x != i))
    proof = tree.proof(i)
    assert not verify_inclusion(leaves[j], proof, tree.root)
    assert not verify_inclusion(leaves[i], InclusionProof(j, n, proof.path), tree.root)


def test_malformed_proofs_are_refused() -> None:
    tree = MerkleTree(_leaves(5))
    proof = tree.proof(4)
    assert root_from_inclusion_proof(tree.leaf(4), InclusionProof(5, 5, proof.path)) is None
    assert root_from_inclusion_proof(tree.leaf(4), InclusionProof(4, 5, (*proof.path, b"x" * 32))) is None
    assert root_from_inclusion_proof(tree.leaf(4), InclusionProof(4, 5, proof.path[:-1])) is None


@settings(max_examples=150, deadline=None)
@given(size=st.integers(min_value=1, max_value=1100))
def test_audit_paths_are_every_leafs_proof_path(size: int) -> None:
    import base64

    from sealpost.domain.merkle import audit_paths

    tree = MerkleTree([hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)])
    paths = audit_paths(tree.levels, tree.size)
    assert len(paths) == size
    assert all(paths[k] == list(tree.proof(k).path) for k in range(size))
    encoded = [[base64.b64encode(n).decode() for n in level] for level in tree.levels]
    assert audit_paths(encoded, size)[size - 1] == [
        base64.b64encode(n).decode() for n in tree.proof(size - 1).path
    ]


@pytest.mark.parametrize("algorithm", ["sha256", "sha512", "md5"])
def test_hash_constructor_is_hashlib_new(algorithm: str) -> None:
    from sealpost.domain.merkle import hash_constructor

    assert hash_constructor(algorithm)(b"abc").digest() == hashlib.new(algorithm, b"abc").digest()
