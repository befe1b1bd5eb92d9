"""A pickup from identity QR (or walk-in ID card) to signed receipt, through the API and the
terminal SDK, on SQLite and PostgreSQL; prohibited items, refusals, retries and the 30 s alarm."""

from __future__ import annotations

import base64
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from records_support import RECIPIENT_ADDRESS, SENDER_ADDRESS, SimTerminal
from sealpost.api.app import create_app
from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice
from sealpost.client.terminal import PendingRecord, Pickup, PlatformError, ReceiptTimeoutError, TerminalClient
from sealpost.domain import events as ev
from sealpost.domain.identity import check_character
from sealpost.domain.records import Party
from sealpost.domain.waybill_numbers import s10_number

SENDER_NUMBER = "110105198001011234"[:17]
SENDER_NUMBER = SENDER_NUMBER + check_character(SENDER_NUMBER)


class FlakyClient(TestClient):
    """A test client whose first ``failures`` record posts never reach the server."""

    failures = 0

    def post(self, url: Any, *args: Any, **kwargs: Any) -> httpx.Response:
        if str(url) == "/v1/records" and self.failures > 0:
            self.failures -= 1
            raise httpx.ConnectError("network down")
        response: httpx.Response = super().post(url, *args, **kwargs)
        return response


@pytest.fixture
def api(container: Container) -> Iterator[FlakyClient]:
    with FlakyClient(create_app(container=container)) as c:
        yield c


def _client(api: TestClient, t: SimTerminal, **kwargs: Any) -> TerminalClient:
    return TerminalClient(
        api,
        terminal_id=t.terminal.terminal_id,
        token=t.token,
        signing_private=t.private_key,
        company=t.terminal.company,
        outlet=t.terminal.outlet,
        courier_id=t.terminal.courier_id,
        backoff_s=0.01,
        **kwargs,
    )


def _pickup(ref: str | None, item: str = "羊毛衫", sender_kind: str = "qr", inspected: bool = True) -> Pickup:
    return Pickup(
        waybill_no=s10_number("EA", random.randrange(10**8), "CN"),
        sender=Party("", "13800138000", SENDER_ADDRESS),
        recipient=Party("欧阳娜娜", "13912345678", RECIPIENT_ADDRESS),
        origin_county="110105",
        destination_county="310115",
        item_name=item,
        item_category="服装鞋帽",
        quantity=1,
        weight_g=800,
        declared_value_fen=19900,
        inspected=inspected,
        identity_ref=ref,
        sender_kind=sender_kind,
    )


def _enrolled_device(api: TestClient, container: Container) -> SenderDevice:
    device = SenderDevice.generate(platform_sealing_key=container.crypto.sealing_public_key())
    response = api.post(
        "/v1/senders/enroll",
        data={
            "device_public_key": base64.b64encode(device.public_key()).decode(),
            "number": SENDER_NUMBER,
            "name": "司马光明",
            "phone": "13800138000",
        },
    )
    assert response.status_code in (200, 201), response.text
    device.sender_id = UUID(response.json()["sender_id"])
    return device


def test_from_identity_qr_to_signed_receipt(
    api: FlakyClient, container: Container, terminal: SimTerminal
) -> None:
    device = _enrolled_device(api, container)
    client = _client(api, terminal)
    identified = client.identify(device.identity_qr(datetime.now(UTC)))
    assert identified["identity"]["name"] == "司马**"
    receipt = client.pickup(_pickup(identified["identity_ref"]))
    assert receipt["masked"]["sender"]["name"] == "司马**"
    assert receipt["masked"]["recipient"]["name"] == "欧阳**"
    assert receipt["marks"] == {"real_name": True, "inspected": True}
    assert client.pending == []  # nothing kept once the receipt is in
    # The reference was used: a second parcel needs a fresh scan.
    with pytest.raises(PlatformError) as refused:
        client.pickup(_pickup(identified["identity_ref"]))
    assert refused.value.code == "ref_used"


def test_walk_in_typed_id_to_receipt(api: FlakyClient, container: Container, terminal: SimTerminal) -> None:
    client = _client(api, terminal)
    identified = client.walk_in(document_number=SENDER_NUMBER, name="司马光明")
    assert identified["identity"]["document_number"] == SENDER_NUMBER[0] + "*" * 16 + SENDER_NUMBER[-1]
    receipt = client.pickup(_pickup(identified["identity_ref"], sender_kind="walk_in"))
    assert receipt["masked"]["sender"]["name"] == "司马**"
    # An invalid ID number is refused and counted.
    bad = SENDER_NUMBER[:-1] + ("0" if SENDER_NUMBER[-1] != "0" else "1")
    with pytest.raises(PlatformError) as refused:
        client.walk_in(document_number=bad, name="司马光明")
    assert refused.value.code == "id_invalid"
    assert container.events.count_by_kind().get(ev.ID_REFUSED) == 1


@pytest.mark.parametrize("item", ["火锅底料", "手枪钻", "手槍鑽", "烟灰缸", "水枪玩具"])
def test_everyday_goods_with_sensitive_characters_are_accepted(
    api: FlakyClient, container: Container, terminal: SimTerminal, item: str
) -> None:
    client = _client(api, terminal)
    ref = client.walk_in(document_number=SENDER_NUMBER, name="司马光明")["identity_ref"]
    receipt = client.pickup(_pickup(ref, item=item, sender_kind="walk_in"))
    assert receipt["item"]["name"] == item
    assert container.events.count_by_kind().get(ev.INTERCEPTION) is None


@pytest.mark.parametrize("item", ["手枪", "仿真枪", "雷管", "冰毒", "手 槍"])
def test_prohibited_items_stop_the_pickup_with_an_interception_event(
    api: FlakyClient, container: Container, terminal: SimTerminal, item: str
) -> None:
    client = _client(api, terminal)
    ref = client.walk_in(document_number=SENDER_NUMBER, name="司马光明")["identity_ref"]
    with pytest.raises(PlatformError) as refused:
        client.pickup(_pickup(ref, item=item, sender_kind="walk_in"))
    assert refused.value.code == "item_prohibited"
    assert refused.value.status == 422
    (event,) = container.events.recent(ev.INTERCEPTION)
    assert event.courier_id == terminal.terminal.courier_id and event.outlet == terminal.terminal.outlet
    assert event.detail["category"] == 1 or event.detail["category"] is not None
    assert container.records.count() == 0


def test_refusals_are_clear_and_counted(
    api: FlakyClient, container: Container, terminal: SimTerminal
) -> None:
    client = _client(api, terminal)
    with pytest.raises(PlatformError) as refused:
        client.pickup(_pickup(None, inspected=False))
    assert refused.value.code == "inspection_refused"
    answer = client.refuse("id_refused")
    assert answer["accepted"] is False and "不予收寄" in answer["message"]
    counts = container.events.count_by_kind()
    assert counts[ev.INSPECTION_REFUSED] == 1 and counts[ev.ID_REFUSED] == 1


def test_retries_with_backoff_then_the_receipt(
    api: FlakyClient, container: Container, terminal: SimTerminal
) -> None:
    client = _client(api, terminal)
    ref = client.walk_in(document_number=SENDER_NUMBER, name="司马光明")["identity_ref"]
    api.failures = 2
    receipt = client.pickup(_pickup(ref, sender_kind="walk_in"))
    assert receipt["record_id"] and api.failures == 0
    assert container.records.count() == 1


def test_no_receipt_in_time_raises_the_alarm(
    api: FlakyClient, container: Container, terminal: SimTerminal
) -> None:
    alarms: list[PendingRecord] = []
    fired = threading.Event()

    def on_alarm(record: PendingRecord) -> None:
        alarms.append(record)
        fired.set()

    client = _client(api, terminal, on_alarm=on_alarm, deadline_s=0.2, max_attempts=4, max_backoff_s=0.15)
    ref = client.walk_in(document_number=SENDER_NUMBER, name="司马光明")["identity_ref"]
    api.failures = 100
    with pytest.raises(ReceiptTimeoutError):
        client.submit([_pickup(ref, sender_kind="walk_in")])
    assert fired.wait(2.0)
    assert len(alarms) == 1 and alarms[0].alarmed
    assert [p.record_id for p in client.pending] == [alarms[0].record_id]  # still held, in memory only
    # The network comes back: the same record is sent again and receipted once.
    api.failures = 0
    result = client.send(client.pending)
    assert list(result.receipts) == [alarms[0].record_id]
    assert client.pending == []


def test_enterprise_terminals_seal_and_the_enterprise_relays(api: FlakyClient, container: Container) -> None:
    from records_support import CLEAR_VALUES
    from sealpost.adapters.crypto import get_suite
    from sealpost.client.enterprise import EnterpriseClient

    ec, secret = container.enterprise_clients.create(
        company="EMS", name="EMS 总部系统", now=container.clock.now()
    )
    enterprise = EnterpriseClient(api, client_id=ec.client_id, client_secret=secret, backoff_s=0.01)
    pair = get_suite("intl").new_signing_key()
    info = enterprise.register_terminal(outlet="GZ-TH-03", courier_id="c-7007", public_key=pair.public)
    terminal = TerminalClient(
        api,
        terminal_id=info["terminal_id"],
        token=info["token"],
        signing_private=pair.private,
        company="EMS",
        outlet="GZ-TH-03",
        courier_id="c-7007",
    )
    refs = [
        terminal.walk_in(document_number=SENDER_NUMBER, name="司马光明")["identity_ref"] for _ in range(3)
    ]
    sealed = terminal.seal([_pickup(ref, sender_kind="walk_in") for ref in refs])
    answer = enterprise.relay(sealed)
    assert len(answer["receipts"]) == 3 and answer["rejected"] == []
    assert len(terminal.pending) == 3
    terminal.accept_receipts(answer["receipts"])  # the enterprise hands the receipts back
    assert terminal.pending == []
    kept = enterprise.records(waybill_no=answer["receipts"][0]["waybill_no"])
    assert kept[0]["status"] == "accepted" and kept[0]["masked"]["sender"]["name"] == "司马**"
    text = str(enterprise.records())
    assert not any(value in text for value in CLEAR_VALUES)
    terminal.close()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # OCR is independent of the database
def test_walk_in_card_photo_is_read_sealed_and_gives_a_reference(
    api: FlakyClient, container: Container, terminal: SimTerminal, db_url: str
) -> None:
    from sealpost.adapters.ocr.rapid import RapidTextRecognizer
    from sealpost.dev.idcards import generate_cards

    card = next(generate_cards(1, seed=77, today=datetime.now(UTC).date(), rotations=(0,)))
    container.extras["recognizer"] = RapidTextRecognizer()
    client = _client(api, terminal)
    identified = client.walk_in(photo=card.front)
    from sealpost.domain.masking import mask_name

    assert identified["identity"]["name"] == mask_name(card.person.name)
    assert identified["identity"]["document_number"].startswith(card.person.number[0])
    receipt = client.pickup(_pickup(identified["identity_ref"], sender_kind="walk_in"))
    assert receipt["marks"]["real_name"] is True
