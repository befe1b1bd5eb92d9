"""RFC 6962 / RFC 9162 Merkle trees: the batch receipts are signed over a tree root.

Hashing follows RFC 6962 §2.1: a leaf hash is ``H(0x00 || data)``, an interior node is
``H(0x01 || left || right)``, and a tree of ``n`` leaves splits at the largest power of two
smaller than ``n``. Building the tree bottom-up and carrying a lone right-most node up a level
unchanged gives exactly that shape, so every level is kept and each leaf's audit path is read
off the levels in O(log n). Verification is RFC 9162 §2.1.3.2 and needs only the leaf hash, its
index, the tree size, the path and the root.

The hash is SHA-256 (suite ``intl``); :class:`MerkleTree` takes another ``hashlib`` name (``sm3``
where OpenSSL has it) for the ``gm`` suite. ``hashlib`` is the standard library: the domain stays pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any, TypeVar, cast

__all__ = [
    "InclusionProof",
    "MerkleTree",
    "audit_paths",
    "hash_constructor",
    "leaf_hash",
    "node_hash",
    "reference_root",
    "root_from_inclusion_proof",
    "verify_inclusion",
]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: A receipt batch's signature algorithm → the hash of its Merkle tree (each crypto suite's own:
#: SHA-256 with Ed25519, SM3 with SM2).
TREE_HASH_OF_SIGNATURE: dict[str, str] = {"Ed25519": "sha256", "SM2": "sm3"}

_T = TypeVar("_T")


def hash_constructor(algorithm: str) -> Callable[[bytes], Any]:
    """``hashlib``'s own constructor for ``algorithm`` (``hashlib.sha256``: no by-name lookup per
    hash), else ``hashlib.new`` bound to the name (``sm3``)."""
    direct = getattr(hashlib, algorithm, None) if algorithm in hashlib.algorithms_guaranteed else None
    if direct is not None:
        return cast("Callable[[bytes], Any]", direct)
    return partial(hashlib.new, algorithm)


def leaf_hash(data: bytes, algorithm: str = "sha256") -> bytes:
    digest: bytes = _constructor(algorithm)(LEAF_PREFIX + data).digest()
    return digest


def node_hash(left: bytes, right: bytes, algorithm: str = "sha256") -> bytes:
    digest: bytes = _constructor(algorithm)(NODE_PREFIX + left + right).digest()
    return digest


#: :func:`hash_constructor` per algorithm name, looked up once.
_CONSTRUCTORS: dict[str, Callable[[bytes], Any]] = {}


def _constructor(algorithm: str) -> Callable[[bytes], Any]:
    found = _CONSTRUCTORS.get(algorithm)
    if found is None:
        found = _CONSTRUCTORS.setdefault(algorithm, hash_constructor(algorithm))
    return found


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Where a leaf sits in a tree of ``tree_size`` leaves, and the sibling hashes up to the root."""

    index: int
    tree_size: int
    path: tuple[bytes, ...]


class MerkleTree:
    """A complete tree over a fixed list of leaf hashes (one receipt batch)."""

    __slots__ = ("_algorithm", "_levels")

    def __init__(self, leaf_hashes: Sequence[bytes], algorithm: str = "sha256") -> None:
        if not leaf_hashes:
            raise ValueError("a Merkle tree needs at least one leaf")
        self._algorithm = algorithm
        levels: list[list[bytes]] = [list(leaf_hashes)]
        sha = hash_constructor(algorithm)
        while len(levels[-1]) > 1:
            below = levels[-1]
            above = [sha(NODE_PREFIX + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])  # a lone right node moves up unchanged (RFC 6962 split rule)
            levels.append(above)
        self._levels = levels

    @classmethod
    def from_data(cls, leaves: Sequence[bytes], algorithm: str = "sha256") -> MerkleTree:
        return cls([leaf_hash(d, algorithm) for d in leaves], algorithm)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    @property
    def root(self) -> bytes:
        return self._levels[-1][0]

    def leaf(self, index: int) -> bytes:
        return self._levels[0][index]

    @property
    def levels(self) -> tuple[tuple[bytes, ...], ...]:
        """Every level of the tree, leaves first (for callers that encode nodes once)."""
        return tuple(tuple(level) for level in self._levels)

    def path_positions(self, index: int) -> list[tuple[int, int]]:
        """(level, position) of each node of the audit path of leaf ``index``, lowest first."""
        out: list[tuple[int, int]] = []
        i = index
        for depth, level in enumerate(self._levels[:-1]):
            sibling = i ^ 1
            if sibling < len(level):
                out.append((depth, sibling))
            i >>= 1
        return out

    def proof(self, index: int) -> InclusionProof:
        """The audit path of leaf ``index`` (RFC 9162 §2.1.3.1), lowest sibling first."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} outside a tree of {self.size}")
        path: list[bytes] = []
        i = index
        for level in self._levels[:-1]:
            sibling = i ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            i >>= 1
        return InclusionProof(index, self.size, tuple(path))


def audit_paths(levels: Sequence[Sequence[_T]], size: int) -> list[list[_T]]:
    """Every leaf's audit path at once, from a tree's levels (leaves first, root last, as
    :attr:`MerkleTree.levels`, possibly re-encoded node by node): ``audit_paths(...)[k]`` holds the
    nodes of :meth:`MerkleTree.proof` ``(k).path`` in the same order.

    Column by column in C (slicing, ``zip``, ``chain``) rather than leaf by leaf: at depth ``d``
    leaf ``k``'s sibling is node ``(k >> d) ^ 1``, i.e. the level with its pairs swapped and each
    node repeated ``2**d`` times; a lone right-most node (odd level) has no sibling, and the few
    leaves under it drop that hole.
    """
    columns: list[Sequence[_T | None]] = []
    first_gap = size
    for depth, level in enumerate(levels[:-1]):
        width = len(level)
        swapped: list[_T | None] = [None] * width
        swapped[0 : width - 1 : 2] = level[1::2]
        swapped[1::2] = level[0 : width - 1 : 2]
        if width % 2:
            first_gap = min(first_gap, (width - 1) << depth)
        repeat = 1 << depth
        if repeat > 1:  # each node repeat times: zip(s, s, ...) yields (s[i], s[i], ...)
            swapped = list(chain.from_iterable(zip(*([swapped] * repeat), strict=True)))
        columns.append(swapped)
    # deeper columns run past ``size`` (a level's last node covers up to 2**d leaves): zip stops at
    # the leaves' column, which has exactly ``size`` entries
    paths = list(map(list, zip(*columns, strict=False))) if columns else [[] for _ in range(size)]
    for k in range(first_gap, size):
        paths[k] = [node for node in paths[k] if node is not None]
    return cast("list[list[_T]]", paths)


def root_from_inclusion_proof(leaf: bytes, proof: InclusionProof, algorithm: str = "sha256") -> bytes | None:
    """The root implied by ``leaf`` and ``proof`` (RFC 9162 §2.1.3.2), or None when malformed."""
    index, size = proof.index, proof.tree_size
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = leaf
    for p in proof.path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r, algorithm)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p, algorithm)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return None
    return r


def verify_inclusion(leaf: bytes, proof: InclusionProof, root: bytes, algorithm: str = "sha256") -> bool:
    """True when ``leaf`` is at ``proof.index`` of the tree with ``root``."""
    computed = root_from_inclusion_proof(leaf, proof, algorithm)
    return computed is not None and computed == root


def reference_root(leaf_hashes: Sequence[bytes], algorithm: str = "sha256") -> bytes:
    """RFC 6962's recursive definition of the tree head: the yardstick the tests compare against."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.new(algorithm, b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(
        reference_root(leaf_hashes[:k], algorithm), reference_root(leaf_hashes[k:], algorithm), algorithm
    )
