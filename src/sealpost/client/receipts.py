"""Checking a signed receipt (``docs/protocols/records.md``, "Verifying a receipt").

A receipt is valid when (1) its canonical bytes, hashed as an RFC 6962 leaf, lead through its
inclusion proof to the batch root it names, and (2) the platform's signature over that root and
the tree size verifies under the signing key ``kid`` (old keys stay published after a rotation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from sealpost.adapters.crypto import get_suite
from sealpost.domain.merkle import verify_inclusion
from sealpost.domain.records import batch_signing_message, proof_from_receipt, receipt_leaf_bytes, unb64
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.crypto import CryptoError

#: Signature algorithm → (crypto suite, Merkle hash).
ALGORITHMS: Final[dict[str, tuple[str, str]]] = {"Ed25519": ("intl", "sha256"), "SM2": ("gm", "sm3")}


class ReceiptInvalidError(SealpostError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "receipt_invalid",
            Text(f"回执签名或证明无效：{detail}", f"receipt signature or proof invalid: {detail}"),
            status=502,
        )


def receipt_leaf_hash(receipt: Mapping[str, Any], hash_alg: str = "sha256") -> bytes:
    return hashlib.new(hash_alg, b"\x00" + receipt_leaf_bytes(receipt)).digest()


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
