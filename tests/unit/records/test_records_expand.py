"""``expand_receipts``: a ``?proofs=tree`` answer (signed tree head once, each fresh receipt its
leaf index) is verified and turned back into full receipts, equal to the ``?proofs=full`` form of
the same batch outcome and to the stored receipt (``attach_proof``); anything off is refused."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from sealpost.adapters.crypto import get_suite
from sealpost.client.receipts import ReceiptInvalidError, expand_receipts, receipt_leaf_hash, verify_receipt
from sealpost.domain.merkle import MerkleTree
from sealpost.domain.records import attach_proof, b64, batch_signing_message
from sealpost.services.ingest import BatchOutcome, SignedTree

SUITES = {"intl": ("Ed25519", "sha256"), "gm": ("SM2", "sm3")}


def _body(i: int, batch: str) -> dict[str, Any]:
    return {
        "version": 1,
        "record_id": f"0190a0b0-0000-7000-8000-{batch}{i:010d}",
        "waybill_no": f"EA{i:08d}5CN",
        "company": "EMS",
        "received_at": "2026-11-28T13:00:00.000+08:00",
        "masked": {"recipient": {"name": "欧**", "phone": "139****5678", "county_code": "310115"}},
        "marks": {"real_name": True, "late": False},
    }


class Batch:
    """One signed batch as the ingest service holds it: bodies, tree, signature, outcome."""

    def __init__(self, n: int, suite: str = "intl", batch: str = "00", kid: str = "k1") -> None:
        crypto = get_suite(suite)
        pair = crypto.new_signing_key()
        self.alg, self.hash_alg = SUITES[suite]
        self.kid = kid
        self.keys = {kid: pair.public}
        self.bodies = [_body(i, batch) for i in range(n)]
        self.tree = MerkleTree([receipt_leaf_hash(b, self.hash_alg) for b in self.bodies], self.hash_alg)
        self.sig = crypto.sign(pair.private, batch_signing_message(self.tree.root, self.tree.size))
        levels = [[b64(node) for node in level] for level in self.tree.levels]
        signature = {"kid": kid, "alg": self.alg, "sig": b64(self.sig)}
        self.signed = SignedTree(levels[-1][0], n, signature, levels)
        fresh = []
        for k, body in enumerate(self.bodies):
            fresh.append({**body, "proof": {"batch_root": self.signed.root, "index": k, "tree_size": n}})
        self.outcome = BatchOutcome(receipts=list(enumerate(fresh)), stored=n, tree=self.signed)

    def stored(self, k: int) -> dict[str, Any]:
        """Receipt ``k`` as the store gives it again (``GET /v1/receipts/{id}``, a duplicate)."""
        body = copy.deepcopy(self.bodies[k])
        return attach_proof(body, self.tree.proof(k), self.tree.root, self.kid, self.alg, self.sig)

    def answer(self, proofs: str = "tree") -> dict[str, Any]:
        """The API answer's proof-carrying part, through JSON as on the wire."""
        body: dict[str, Any] = {"tree": self.signed.head()} if proofs == "tree" else {}
        body["receipts"] = self.outcome.receipt_list(proofs)  # type: ignore[arg-type]
        loaded: dict[str, Any] = orjson.loads(orjson.dumps(body))
        return loaded


def _wire(obj: Any) -> Any:
    return orjson.loads(orjson.dumps(obj))


@pytest.mark.parametrize("suite", ["intl", "gm"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 17])
def test_expanded_receipts_equal_the_full_form_and_the_stored_receipt(n: int, suite: str) -> None:
    batch = Batch(n, suite)
    answer = batch.answer("tree")
    before = copy.deepcopy(answer)
    expanded = expand_receipts(answer, batch.keys)
    assert answer == before  # the answer is not modified
    assert expanded == batch.answer("full")["receipts"]
    assert expanded == [_wire(batch.stored(k)) for k in range(n)]
    for receipt in expanded:
        verify_receipt(receipt, batch.keys)
    assert all("path" not in r["proof"] and "signature" not in r for r in answer["receipts"])


def test_a_record_sent_twice_gets_the_same_receipt_twice() -> None:
    batch = Batch(4)
    batch.outcome.receipts.append((4, batch.outcome.receipts[2][1]))  # input 4 repeated input 2
    expanded = expand_receipts(batch.answer("tree"), batch.keys)
    assert len(expanded) == 5 and expanded[4] == expanded[2] == _wire(batch.stored(2))
    assert expanded[4]["proof"]["path"] is not expanded[2]["proof"]["path"]
    assert expanded == batch.answer("full")["receipts"]


def test_full_form_duplicates_are_verified_and_passed_through_in_answer_order() -> None:
    earlier = Batch(3, batch="01")
    batch = Batch(3, batch="02", kid="k2")  # each test batch has its own key (and kid)
    keys = {**earlier.keys, **batch.keys}
    old = earlier.stored(1)
    batch.outcome.receipts = [(0, old), *[(k + 1, r) for k, r in batch.outcome.receipts]]
    answer = batch.answer("tree")
    expanded = expand_receipts(answer, keys)
    assert expanded[0] == _wire(old)
    assert expanded[1:] == [_wire(batch.stored(k)) for k in range(3)]
    assert expanded == batch.answer("full")["receipts"]
    # only duplicates: no tree, every receipt already full
    assert expand_receipts({"tree": None, "receipts": [_wire(old)]}, keys) == [_wire(old)]
    assert expand_receipts({"receipts": []}, keys) == []
    tampered = copy.deepcopy(answer)
    tampered["receipts"][0]["waybill_no"] = "EA99999999CN"
    with pytest.raises(ReceiptInvalidError):
        expand_receipts(tampered, keys)


def _refused(answer: dict[str, Any], keys: dict[str, bytes], detail: str) -> None:
    with pytest.raises(ReceiptInvalidError) as caught:
        expand_receipts(answer, keys)
    assert detail in caught.value.message.en


def test_a_tampered_receipt_body_is_refused() -> None:
    batch = Batch(5)
    answer = batch.answer()
    answer["receipts"][3]["masked"]["recipient"]["name"] = "欧阳**"
    _refused(answer, batch.keys, "do not rebuild the signed batch root")


def test_a_wrong_index_is_refused() -> None:
    batch = Batch(5)
    swapped = batch.answer()
    swapped["receipts"][0]["proof"]["index"], swapped["receipts"][1]["proof"]["index"] = 1, 0
    _refused(swapped, batch.keys, "do not rebuild the signed batch root")
    outside = batch.answer()
    outside["receipts"][4]["proof"]["index"] = 5
    _refused(outside, batch.keys, "outside the tree")
    twice = batch.answer()
    twice["receipts"][4]["proof"]["index"] = 3  # two different receipts at 3, none at 4
    _refused(twice, batch.keys, "two different receipts at one leaf index")
    text = batch.answer()
    text["receipts"][2]["proof"]["index"] = "2"
    _refused(text, batch.keys, "malformed tree-form receipt")


def test_a_missing_receipt_is_refused() -> None:
    batch = Batch(5)
    answer = batch.answer()
    del answer["receipts"][2]
    _refused(answer, batch.keys, "missing from the signed tree")
    none = batch.answer()
    none["receipts"] = []
    _refused(none, batch.keys, "a signed tree head without its receipts")


def test_a_bad_tree_signature_is_refused() -> None:
    batch = Batch(5)
    answer = batch.answer()
    sig = bytearray(batch.sig)
    sig[7] ^= 1
    answer["tree"]["signature"]["sig"] = b64(bytes(sig))
    _refused(answer, batch.keys, "bad platform signature")
    other = Batch(5, kid="k9")  # the same receipts signed by a key the client does not trust
    _refused(batch.answer(), other.keys, "unknown signing key")
    _refused(batch.answer(), {"k1": other.keys["k9"]}, "bad platform signature")
    unknown = batch.answer()
    unknown["tree"]["signature"]["alg"] = "RSA"
    _refused(unknown, batch.keys, "unknown algorithm")


def test_a_malformed_or_mismatched_tree_head_is_refused() -> None:
    batch = Batch(4)
    no_head = batch.answer()
    no_head["tree"] = None
    _refused(no_head, batch.keys, "without a signed tree head")
    resized = batch.answer()
    resized["tree"]["tree_size"] = 5
    _refused(resized, batch.keys, "another tree")
    rooted = batch.answer()
    rooted["receipts"][1]["proof"]["batch_root"] = Batch(4, batch="09").signed.root
    _refused(rooted, batch.keys, "another tree")
    bad_root = batch.answer()
    bad_root["tree"]["batch_root"] = "not base64!"
    for receipt in bad_root["receipts"]:
        receipt["proof"]["batch_root"] = "not base64!"
    _refused(bad_root, batch.keys, "malformed signed tree head")
    signed = batch.answer()
    signed["receipts"][0]["signature"] = signed["tree"]["signature"]  # neither tree nor full form
    _refused(signed, batch.keys, "malformed tree-form receipt")
