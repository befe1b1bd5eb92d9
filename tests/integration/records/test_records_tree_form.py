"""``?proofs=tree`` through the records API on SQLite and PostgreSQL: the signed tree head once per
answer, expanded by the client into the very receipts ``?proofs=full`` and ``GET /v1/receipts/{id}``
give; retries answer full-form duplicates; anything tampered is refused; the SDKs use it."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from records_support import SimTerminal, issue_ref, personal, register_terminal
from sealpost.adapters.crypto import get_suite
from sealpost.api.app import create_app
from sealpost.api.routes.records import _outcome
from sealpost.bootstrap import Container
from sealpost.client.receipts import ReceiptInvalidError, expand_receipts, verify_receipt
from sealpost.client.sealing import SealingSession, batch_payload
from sealpost.domain.records import PersonalFields, terminal_batch_message
from sealpost.services.ingest import Source, parse_batch


class RecordingClient(TestClient):
    """A test client that notes the URL of every batch it posts."""

    posted: list[str]

    def post(self, url: Any, *args: Any, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = super().post(url, *args, **kwargs)
        if "/records" in str(url) or "/relay/batches" in str(url):
            self.posted.append(str(response.request.url))
        return response


@pytest.fixture
def client(container: Container) -> Iterator[RecordingClient]:
    with RecordingClient(create_app(container=container)) as c:
        c.posted = []
        yield c


def _keys(client: TestClient) -> dict[str, bytes]:
    keys = client.get("/v1/keys/platform").json()
    return {kid: base64.b64decode(k) for kid, k in keys["signing_keys"].items()}


def _items(container: Container, t: SimTerminal, n: int) -> list[tuple[dict[str, Any], PersonalFields]]:
    courier = t.terminal.courier_id
    return [(t.meta(identity_ref=issue_ref(container, courier).ref), personal()) for _ in range(n)]


def _payload(session: SealingSession, items: list[tuple[dict[str, Any], PersonalFields]]) -> dict[str, Any]:
    """A batch whose second record is sent twice (at the end as well)."""
    wire = [session.seal(meta, p) for meta, p in items]
    return batch_payload([session], [*wire, wire[1]])


def _post(client: TestClient, t: SimTerminal, payload: dict[str, Any], proofs: str | None) -> dict[str, Any]:
    body = orjson.dumps(payload)
    sig = get_suite(t.suite).sign(t.private_key, terminal_batch_message(body))
    response = client.post(
        "/v1/records",
        content=body,
        params={"proofs": proofs} if proofs else None,
        headers={
            "authorization": f"Bearer {t.token}",
            "content-type": "application/json",
            "x-sealpost-signature": base64.b64encode(sig).decode(),
        },
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _stored(client: TestClient, t: SimTerminal, record_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/receipts/{record_id}", headers={"authorization": f"Bearer {t.token}"})
    assert response.status_code == 200, response.text
    receipt: dict[str, Any] = response.json()
    return receipt


def test_tree_form_expands_to_the_stored_receipts_and_retries_answer_full_duplicates(
    client: RecordingClient, container: Container, terminal: SimTerminal
) -> None:
    keys = _keys(client)
    session = terminal.session()
    payload = _payload(session, _items(container, terminal, 4))
    answer = _post(client, terminal, payload, "tree")
    assert answer["stored"] == 4 and answer["duplicates"] == 0 and answer["rejected"] == []
    head = answer["tree"]
    assert head["tree_size"] == 4 and set(head) == {"batch_root", "tree_size", "signature"}
    assert len(answer["receipts"]) == 5 and answer["receipts"][4] == answer["receipts"][1]
    for receipt in answer["receipts"]:
        assert set(receipt["proof"]) == {"batch_root", "index", "tree_size"} and "signature" not in receipt
        assert receipt["proof"]["batch_root"] == head["batch_root"]
    expanded = expand_receipts(answer, keys)
    assert [r["record_id"] for r in expanded] == [r["record_id"] for r in answer["receipts"]]
    for receipt in expanded:
        verify_receipt(receipt, keys)
        assert receipt == _stored(client, terminal, receipt["record_id"])
    # The same batch again, tree form: nothing fresh, no tree, the stored receipts in full form.
    again = _post(client, terminal, payload, "tree")
    assert again["stored"] == 0 and again["duplicates"] == 4 and again["tree"] is None
    assert again["receipts"] == expanded and expand_receipts(again, keys) == expanded
    # ... and in full form (the default): the same receipts.
    assert _post(client, terminal, payload, None)["receipts"] == expanded
    assert _post(client, terminal, payload, "full")["receipts"] == expanded
    # Two stored records and three new ones: a tree over the new ones, the old ones passed through.
    items = _items(container, terminal, 3)
    wire = [session.seal(meta, p) for meta, p in items]
    mixed = batch_payload([session], [payload["records"][0], *wire, payload["records"][3]])
    answer = _post(client, terminal, mixed, "tree")
    assert answer["stored"] == 3 and answer["duplicates"] == 2 and answer["tree"]["tree_size"] == 3
    expanded = expand_receipts(answer, keys)
    assert expanded[0] == again["receipts"][0] and expanded[4] == again["receipts"][3]
    assert [r["proof"]["tree_size"] for r in expanded] == [4, 3, 3, 3, 4]
    for receipt in expanded:
        verify_receipt(receipt, keys)
        assert receipt == _stored(client, terminal, receipt["record_id"])


def test_tree_and_full_forms_of_one_outcome_agree(container: Container, terminal: SimTerminal) -> None:
    session = terminal.session()
    items = _items(container, terminal, 6)
    items.append((terminal.meta(identity_ref="NOPE" * 6), personal()))  # refused: no receipt
    payload = _payload(session, items)
    outcome = container.ingestor.ingest(
        parse_batch(payload), Source("terminal", terminal.terminal.terminal_id)
    )
    tree = orjson.loads(orjson.dumps(_outcome(outcome, "zh-CN", "tree")))
    full = orjson.loads(orjson.dumps(_outcome(outcome, "zh-CN", "full")))
    assert "tree" not in full and full["rejected"] == tree["rejected"] != []
    keys = container.crypto.public_signing_keys()
    assert expand_receipts(tree, keys) == full["receipts"]
    assert {k: v for k, v in tree.items() if k not in ("tree", "receipts")} == {
        k: v for k, v in full.items() if k != "receipts"
    }


def _refused(answer: dict[str, Any], keys: dict[str, bytes]) -> None:
    with pytest.raises(ReceiptInvalidError):
        expand_receipts(answer, keys)


def test_tampered_tree_form_answers_are_refused(
    client: RecordingClient, container: Container, terminal: SimTerminal
) -> None:
    keys = _keys(client)
    answer = _post(client, terminal, _payload(terminal.session(), _items(container, terminal, 5)), "tree")
    expand_receipts(answer, keys)  # the untouched answer holds

    body = copy.deepcopy(answer)
    body["receipts"][2]["masked"]["recipient"]["phone"] = "139****0000"
    _refused(body, keys)
    index = copy.deepcopy(answer)
    index["receipts"][0]["proof"]["index"], index["receipts"][3]["proof"]["index"] = 3, 0
    _refused(index, keys)
    missing = copy.deepcopy(answer)
    del missing["receipts"][3]  # index 3 appears nowhere else (the repeat is of index 1)
    _refused(missing, keys)
    signature = copy.deepcopy(answer)
    sig = bytearray(base64.b64decode(signature["tree"]["signature"]["sig"]))
    sig[0] ^= 0x80
    signature["tree"]["signature"]["sig"] = base64.b64encode(bytes(sig)).decode()
    _refused(signature, keys)
    headless = copy.deepcopy(answer)
    headless["tree"] = None
    _refused(headless, keys)


def _relay_token(client: TestClient, container: Container) -> str:
    ec, secret = container.enterprise_clients.create(
        company="EMS", name="EMS 总部系统", now=container.clock.now()
    )
    response = client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": ec.client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_relay_batches_answer_in_tree_form(
    client: RecordingClient, container: Container, terminal: SimTerminal
) -> None:
    keys = _keys(client)
    auth = {"authorization": f"Bearer {_relay_token(client, container)}"}
    payload = _payload(terminal.session(), _items(container, terminal, 3))
    response = client.post("/v1/relay/batches?proofs=tree", content=orjson.dumps(payload), headers=auth)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["tree"]["tree_size"] == 3 and all("path" not in r["proof"] for r in answer["receipts"])
    expanded = expand_receipts(answer, keys)
    for receipt in expanded:
        verify_receipt(receipt, keys)
        assert receipt == _stored(client, terminal, receipt["record_id"])
    retry = client.post("/v1/relay/batches?proofs=tree", content=orjson.dumps(payload), headers=auth)
    assert retry.json()["tree"] is None and expand_receipts(retry.json(), keys) == expanded
    full = client.post("/v1/relay/batches", content=orjson.dumps(payload), headers=auth)
    assert "tree" not in full.json() and full.json()["receipts"] == expanded


def test_the_sdk_clients_ask_for_tree_form_and_hand_out_full_receipts(
    client: RecordingClient, container: Container
) -> None:
    from sealpost.client.enterprise import EnterpriseClient
    from sealpost.client.terminal import Pickup, TerminalClient
    from sealpost.domain.records import Party
    from sealpost.domain.waybill_numbers import s10_number

    ec, secret = container.enterprise_clients.create(
        company="EMS", name="EMS 总部系统", now=container.clock.now()
    )
    enterprise = EnterpriseClient(client, client_id=ec.client_id, client_secret=secret, backoff_s=0.01)
    pair = get_suite(container.crypto.suite.name).new_signing_key()
    info = enterprise.register_terminal(outlet="GZ-TH-03", courier_id="c-7007", public_key=pair.public)
    sdk = TerminalClient(
        client,
        terminal_id=info["terminal_id"],
        token=info["token"],
        signing_private=pair.private,
        company="EMS",
        outlet="GZ-TH-03",
        courier_id="c-7007",
        backoff_s=0.01,
    )

    def pickup(n: int) -> Pickup:
        return Pickup(
            waybill_no=s10_number("EA", 40_000_000 + n, "CN"),
            sender=Party("", "13800138000", "北京市朝阳区建国路88号"),
            recipient=Party("欧阳娜娜", "13912345678", "上海市浦东新区世纪大道1001号"),
            origin_county="110105",
            destination_county="310115",
            item_name="书籍",
            item_category="图书音像",
            quantity=1,
            weight_g=520,
            declared_value_fen=5000,
            inspected=True,
            identity_ref=issue_ref(container, "c-7007").ref,
        )

    sim = register_terminal(container, courier_id="c-7007")  # only for its token on GET /v1/receipts
    # Direct mode: three parcels, one post, receipts verified and in full form.
    result = sdk.submit([pickup(n) for n in range(3)])
    assert len(result.receipts) == 3 and result.rejected == {} and sdk.pending == []
    assert client.posted[-1].endswith("/v1/records?proofs=tree")
    for record_id, receipt in result.receipts.items():
        assert "path" in receipt["proof"] and "signature" in receipt
        assert receipt == _stored(client, sim, record_id)
    # Sent again (a retry after a lost answer): the same receipts, full-form duplicates.
    records = sdk.seal([pickup(n) for n in range(3, 6)])
    first = sdk.send(records)
    again = sdk.send(records)
    assert again.receipts == first.receipts and len(first.receipts) == 3 and sdk.pending == []
    # Relay: the enterprise forwards sealed records; the answer keeps the full-form shape.
    sealed = sdk.seal([pickup(n) for n in range(10, 14)])
    answer = enterprise.relay(sealed)
    assert client.posted[-1].endswith("/v1/relay/batches?proofs=tree")
    assert "tree" not in answer and answer["stored"] == 4 and len(answer["receipts"]) == 4
    for receipt in answer["receipts"]:
        assert receipt == _stored(client, sim, receipt["record_id"])
    assert sorted(sdk.accept_receipts(answer["receipts"])) == sorted(r.record_id for r in sealed)
    assert sdk.pending == []
    repeated = enterprise.relay(sealed)
    assert repeated["duplicates"] == 4 and repeated["receipts"] == answer["receipts"]
    sdk.close()
