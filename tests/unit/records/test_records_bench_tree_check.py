"""The ingest benchmark's check of ``?proofs=tree`` answers (signed tree head once per answer, the
root rebuilt from every fresh receipt, a sample of per-receipt paths computed and walked), and its
reading of the PostgreSQL server's CPU time."""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson

from sealpost.adapters.crypto import get_suite
from sealpost.bench.ingest import check_tree_receipts
from sealpost.bench.processes import postgres_cpu_seconds
from sealpost.client.receipts import receipt_leaf_hash
from sealpost.client.sealing import uuid7
from sealpost.domain.merkle import MerkleTree
from sealpost.domain.records import b64, batch_signing_message
from sealpost.services.ingest import BatchOutcome, SignedTree


def _answer(n: int, kid: str = "k1") -> tuple[dict[str, Any], list[str], dict[str, bytes], BatchOutcome]:
    """A tree-form answer as the API builds it, the ids sent, the signing keys, the outcome."""
    suite = get_suite("intl")
    pair = suite.new_signing_key()
    bodies: list[dict[str, Any]] = [
        {"version": 1, "record_id": uuid7(), "company": "EMS", "masked": {"recipient": {"name": "纪*"}}}
        for _ in range(n)
    ]
    tree = MerkleTree([receipt_leaf_hash(b) for b in bodies])
    sig = suite.sign(pair.private, batch_signing_message(tree.root, tree.size))
    levels = [[b64(node) for node in level] for level in tree.levels]
    signed = SignedTree(levels[-1][0], n, {"kid": kid, "alg": "Ed25519", "sig": b64(sig)}, levels)
    fresh = [
        {**b, "proof": {"batch_root": signed.root, "index": k, "tree_size": n}} for k, b in enumerate(bodies)
    ]
    outcome = BatchOutcome(receipts=list(enumerate(fresh)), stored=n, tree=signed)
    answer = orjson.loads(orjson.dumps({"tree": signed.head(), "receipts": outcome.receipt_list("tree")}))
    return answer, [b["record_id"] for b in bodies], {kid: pair.public}, outcome


def _check(answer: dict[str, Any], ids: list[str], keys: dict[str, bytes], sample: int = 50) -> Any:
    return check_tree_receipts(
        answer["tree"], answer["receipts"], ids, [], keys, set(), sample, random.Random(1)
    )


def test_a_whole_tree_passes_with_one_rebuild_one_signature_and_a_sample_of_paths() -> None:
    answer, ids, keys, _ = _answer(300)
    check = _check(answer, ids, keys)
    assert (check.bad, check.missing, check.trees_rebuilt) == (0, 0, 1)
    assert 0 < check.proofs_checked < 30
    assert _check(answer, ids, keys, sample=1).proofs_checked == 300
    assert _check(answer, ids, keys, sample=0).proofs_checked == 0
    verified: set[tuple[bytes, int, bytes]] = set()
    for _ in range(2):  # the signature of a tree is verified once
        check_tree_receipts(answer["tree"], answer["receipts"], ids, [], keys, verified, 0, random.Random(1))
    assert len(verified) == 1


def test_changed_receipts_indexes_and_signatures_fail_the_tree() -> None:
    answer, ids, keys, _ = _answer(50)
    changed = copy.deepcopy(answer)
    changed["receipts"][17]["masked"]["recipient"]["name"] = "纪某"
    assert _check(changed, ids, keys, sample=0).bad == 50
    swapped = copy.deepcopy(answer)
    swapped["receipts"][2]["proof"]["index"], swapped["receipts"][3]["proof"]["index"] = 3, 2
    assert _check(swapped, ids, keys, sample=0).bad == 50
    twice = copy.deepcopy(answer)
    twice["receipts"][2]["proof"]["index"] = 3
    assert _check(twice, ids, keys, sample=0).bad == 50
    outside = copy.deepcopy(answer)
    outside["receipts"][2]["proof"]["index"] = -1
    assert _check(outside, ids, keys, sample=0).bad == 50
    signature = copy.deepcopy(answer)
    signature["tree"]["signature"]["sig"] = _answer(50)[0]["tree"]["signature"]["sig"]
    assert _check(signature, ids, keys, sample=0).bad == 50
    assert _check(answer, ids, _answer(50, kid="k2")[2], sample=0).bad == 50
    assert _check({**answer, "tree": None}, ids, keys, sample=0).bad == 50


def test_a_missing_receipt_is_counted_and_fails_the_tree() -> None:
    answer, ids, keys, _ = _answer(20)
    del answer["receipts"][5]
    check = _check(answer, ids, keys, sample=0)
    assert (check.missing, check.bad, check.trees_rebuilt) == (1, 19, 0)
    rejected = check_tree_receipts(
        answer["tree"], answer["receipts"], ids, [ids[5]], keys, set(), 0, random.Random(1)
    )
    assert rejected.missing == 0  # refused, not lost (the tree still lacks a leaf)


def test_full_form_duplicates_of_a_retry_are_checked_one_by_one() -> None:
    earlier, old_ids, old_keys, outcome = _answer(3, kid="k0")
    answer, ids, keys, _ = _answer(10)
    old = outcome.receipt_list("full")
    answer["receipts"] = [*orjson.loads(orjson.dumps(old)), *answer["receipts"]]
    all_keys = {**old_keys, **keys}
    check = _check(answer, old_ids + ids, all_keys, sample=0)
    assert (check.bad, check.missing, check.trees_rebuilt, check.proofs_checked) == (0, 0, 2, 0)
    answer["receipts"][1]["waybill_no"] = "EA000000000CN"
    assert _check(answer, old_ids + ids, all_keys, sample=0).bad == 3
    assert earlier["tree"]["tree_size"] == 3


def test_unknown_and_repeated_receipts_are_bad() -> None:
    answer, ids, keys, _ = _answer(5)
    answer["receipts"].append(answer["receipts"][0])
    assert _check(answer, ids, keys, sample=0).bad == 1
    assert _check(answer, ids[1:], keys, sample=0).bad == 2 + 4  # not sent (x2), then the tree lacks 0


def test_postgres_cpu_reading_is_a_number_of_seconds() -> None:
    seconds = postgres_cpu_seconds()  # 0.0 where no PostgreSQL server runs on this machine
    assert isinstance(seconds, float) and seconds >= 0.0
