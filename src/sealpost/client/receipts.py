"""Checking signed receipts (``docs/protocols/records.md``, "Verifying a receipt").

A receipt is valid when (1) its canonical bytes, hashed as an RFC 6962 leaf, lead through its
inclusion proof to the batch root it names, and (2) the platform's signature over that root and
the tree size verifies under the signing key ``kid`` (old keys stay published after a rotation).

A ``?proofs=tree`` answer carries the batch's signed tree head once and each fresh receipt only
its leaf index: :func:`expand_receipts` rebuilds the tree from all those receipts (~n hashes),
checks it against the signed root (one signature check per answer) and hands every receipt back
in full form, each verifiable alone with :func:`verify_receipt`.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Mapping
from typing import Any, Final

from sealpost.adapters.crypto import get_suite
from sealpost.domain.merkle import MerkleTree, audit_paths, leaf_hash, verify_inclusion
from sealpost.domain.records import batch_signing_message, proof_from_receipt, receipt_leaf_bytes, unb64
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.crypto import CryptoError

#: Signature algorithm → (crypto suite, Merkle hash).
ALGORITHMS: Final[dict[str, tuple[str, str]]] = {"Ed25519": ("intl", "sha256"), "SM2": ("gm", "sm3")}

#: The keys of a fresh receipt's proof in a ``tree``-form answer (no path; no signature beside it).
TREE_PROOF_KEYS: Final = frozenset({"batch_root", "index", "tree_size"})


class ReceiptInvalidError(SealpostError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "receipt_invalid",
            Text(f"回执签名或证明无效：{detail}", f"receipt signature or proof invalid: {detail}"),
            status=502,
        )


def receipt_leaf_hash(receipt: Mapping[str, Any], hash_alg: str = "sha256") -> bytes:
    return leaf_hash(receipt_leaf_bytes(receipt), hash_alg)


def _verify_signature(
    signature: Mapping[str, Any], root: bytes, tree_size: int, public_keys: Mapping[str, bytes]
) -> None:
    """The platform's signature over (root, tree size), or :class:`ReceiptInvalidError`."""
    suite_name, _ = ALGORITHMS[str(signature.get("alg"))]
    key = public_keys.get(str(signature.get("kid")))
    if key is None:
        raise ReceiptInvalidError("unknown signing key")
    try:
        sig = unb64(str(signature.get("sig")))
    except ValueError:
        raise ReceiptInvalidError("malformed proof or signature") from None
    try:
        get_suite(suite_name).verify(key, batch_signing_message(root, tree_size), sig)
    except CryptoError:
        raise ReceiptInvalidError("bad platform signature") from None


def verify_receipt(receipt: Mapping[str, Any], public_keys: Mapping[str, bytes]) -> None:
    """Raise :class:`ReceiptInvalidError` unless the proof and the platform signature hold."""
    signature = receipt.get("signature")
    if not isinstance(signature, Mapping):
        raise ReceiptInvalidError("no signature")
    algorithm = ALGORITHMS.get(str(signature.get("alg")))
    if algorithm is None:
        raise ReceiptInvalidError("unknown algorithm")
    suite_name, hash_alg = algorithm
    try:
        proof, root = proof_from_receipt(receipt)
        sig = unb64(str(signature.get("sig")))
    except ValueError:
        raise ReceiptInvalidError("malformed proof or signature") from None
    if not verify_inclusion(receipt_leaf_hash(receipt, hash_alg), proof, root, hash_alg):
        raise ReceiptInvalidError("inclusion proof does not lead to the batch root")
    key = public_keys.get(str(signature.get("kid")))
    if key is None:
        raise ReceiptInvalidError("unknown signing key")
    try:
        get_suite(suite_name).verify(key, batch_signing_message(root, proof.tree_size), sig)
    except CryptoError:
        raise ReceiptInvalidError("bad platform signature") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tree_head(answer: Mapping[str, Any]) -> tuple[str, bytes, int, dict[str, str], str]:
    """(root as sent, root, size, signature, Merkle hash) of the answer's signed tree head."""
    head = answer.get("tree")
    if not isinstance(head, Mapping):
        raise ReceiptInvalidError("tree-form receipts without a signed tree head")
    root_text, size, signature = head.get("batch_root"), head.get("tree_size"), head.get("signature")
    if not isinstance(root_text, str) or not _is_int(size) or not isinstance(signature, Mapping):
        raise ReceiptInvalidError("malformed signed tree head")
    assert isinstance(size, int)
    kid, alg, sig = signature.get("kid"), signature.get("alg"), signature.get("sig")
    if not isinstance(kid, str) or not isinstance(alg, str) or not isinstance(sig, str) or size < 1:
        raise ReceiptInvalidError("malformed signed tree head")
    algorithm = ALGORITHMS.get(alg)
    if algorithm is None:
        raise ReceiptInvalidError("unknown algorithm")
    try:
        root = unb64(root_text)
    except ValueError:
        raise ReceiptInvalidError("malformed signed tree head") from None
    return root_text, root, size, {"kid": kid, "alg": alg, "sig": sig}, algorithm[1]


def expand_receipts(answer: Mapping[str, Any], public_keys: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """Verify the receipts of a ``?proofs=tree`` answer and return them all in full form.

    * Fresh receipts (``proof`` = ``batch_root``, ``index``, ``tree_size``; no path, no signature)
      must cover exactly the leaves ``0..n-1`` of the signed tree head ``answer["tree"]``, each
      index once (a receipt repeated for a record sent twice is the same bytes at the same index).
      The tree is rebuilt from their leaf hashes (~n hashes), its root must equal the signed root,
      and the signature over (root, n) is verified once.
    * Full-form receipts (a record stored by an earlier batch) are checked with
      :func:`verify_receipt` and passed through.

    Returns every receipt in answer order, fresh ones with their own audit path and the platform
    signature: the receipt ``?proofs=full`` and ``GET /v1/receipts/{id}`` give. Raises
    :class:`ReceiptInvalidError` when anything does not hold.
    """
    receipts = answer.get("receipts") or []
    if not isinstance(receipts, list):
        raise ReceiptInvalidError("malformed answer")
    fresh: list[tuple[int, int, Mapping[str, Any]]] = []  # (answer position, leaf index, receipt)
    out: list[dict[str, Any]] = []
    for position, receipt in enumerate(receipts):
        if not isinstance(receipt, Mapping):
            raise ReceiptInvalidError("malformed receipt")
        proof = receipt.get("proof")
        if isinstance(proof, Mapping) and "path" not in proof:
            if proof.keys() != TREE_PROOF_KEYS or "signature" in receipt or not _is_int(proof["index"]):
                raise ReceiptInvalidError("malformed tree-form receipt")
            fresh.append((position, proof["index"], receipt))
            out.append({})  # filled in below, once the tree is checked
        else:
            verify_receipt(receipt, public_keys)
            out.append(dict(receipt))
    if not fresh:
        if answer.get("tree") is not None:
            raise ReceiptInvalidError("a signed tree head without its receipts")
        return out

    root_text, root, size, signature, hash_alg = _tree_head(answer)
    leaves: list[bytes | None] = [None] * size
    for _, index, receipt in fresh:
        proof = receipt["proof"]
        if proof["batch_root"] != root_text or proof["tree_size"] != size:
            raise ReceiptInvalidError("receipt names another tree than the signed tree head")
        if not 0 <= index < size:
            raise ReceiptInvalidError("leaf index outside the tree")
        leaf = receipt_leaf_hash(receipt, hash_alg)
        held = leaves[index]
        if held is None:
            leaves[index] = leaf
        elif held != leaf:
            raise ReceiptInvalidError("two different receipts at one leaf index")
    if any(leaf is None for leaf in leaves):
        raise ReceiptInvalidError("receipts missing from the signed tree")
    tree = MerkleTree([leaf for leaf in leaves if leaf is not None], hash_alg)
    if tree.root != root:
        raise ReceiptInvalidError("receipts do not rebuild the signed batch root")
    _verify_signature(signature, root, size, public_keys)

    # Every node base64-encoded once; each leaf's path read off the encoded levels (column-wise).
    levels = [[b64encode(node).decode("ascii") for node in level] for level in tree.levels]
    paths = audit_paths(levels, size)
    given: set[int] = set()
    for position, index, receipt in fresh:
        path = paths[index]
        if index in given:
            path = list(path)  # a repeated receipt gets its own copy
        given.add(index)
        full = {k: v for k, v in receipt.items() if k != "proof"}
        full["proof"] = {"batch_root": root_text, "path": path, "index": index, "tree_size": size}
        full["signature"] = dict(signature)
        out[position] = full
    return out
