"""``GET /v1/waybills/{no}/label`` through the real app, with an in-memory receipt store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from labels_decoders import PRINTED_AT, decode, ink_image, zpl_to_images
from PIL import Image

from sealpost.api.app import ROUTERS, create_app
from sealpost.api.auth import Principal, any_principal
from sealpost.api.routes import labels as label_routes
from sealpost.config import Settings
from sealpost.ports.clock import FixedClock
from sealpost.services.sample_receipts import SampleReceipt


class FakeReceiptStore:
    """The ``ReceiptStore`` port in memory."""

    def __init__(self, receipts: list[dict[str, Any]]) -> None:
        self._by_no = {r["waybill_no"]: r for r in receipts}
        self.asked: list[str] = []

    def get_by_waybill(self, no: str) -> dict[str, Any] | None:
        self.asked.append(no)
        return self._by_no.get(no)


@pytest.fixture
def store(samples: list[SampleReceipt]) -> FakeReceiptStore:
    unmasked = dict(samples[1].receipt, waybill_no="EZ000000000CN")
    unmasked["masked"] = {
        **unmasked["masked"],
        "recipient": {**unmasked["masked"]["recipient"], "phone": "13912345678"},
    }
    return FakeReceiptStore([samples[0].receipt, unmasked])


@pytest.fixture
def client(settings: Settings, store: FakeReceiptStore) -> Iterator[TestClient]:
    app = create_app(settings)
    app.dependency_overrides[label_routes.get_receipt_store] = lambda: store
    app.dependency_overrides[label_routes.get_clock] = lambda: FixedClock(PRINTED_AT)
    app.dependency_overrides[any_principal] = lambda: Principal("terminal", "t-1", "EMS")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_router_is_registered() -> None:
    assert label_routes.router in ROUTERS


def test_png_label_by_waybill_number_decodes(client: TestClient, samples: list[SampleReceipt]) -> None:
    receipt = samples[0].receipt
    r = client.get(f"/v1/waybills/{receipt['waybill_no']}/label", params={"format": "png", "dpi": 300})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "no-store"
    assert f'filename="{receipt["waybill_no"]}.png"' in r.headers["content-disposition"]
    found = decode(Image.open(io.BytesIO(r.content)))
    assert found["Code128"] == [receipt["waybill_no"]]
    assert found["QRCode"] == [receipt["label_ref"]]


def test_zpl_two_part_100x150_label(client: TestClient, samples: list[SampleReceipt]) -> None:
    receipt = samples[0].receipt
    r = client.get(
        f"/v1/waybills/{receipt['waybill_no']}/label",
        params={"format": "zpl", "size": "100x150", "two_part": "true", "style": "smile"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.zebra.zpl")
    (label,) = zpl_to_images(r.content)
    assert decode(ink_image(label.image))["Code128"] == [receipt["waybill_no"]] * 2


def test_pdf_is_the_default_format(client: TestClient, samples: list[SampleReceipt]) -> None:
    r = client.get(f"/v1/waybills/{samples[0].receipt['waybill_no']}/label")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")


def test_unknown_waybill_is_a_404_problem(client: TestClient, store: FakeReceiptStore) -> None:
    r = client.get("/v1/waybills/EA999999995CN/label", headers={"Accept-Language": "en"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "receipt_not_found"
    assert store.asked == ["EA999999995CN"]


def test_another_companys_waybill_is_not_found(client: TestClient, samples: list[SampleReceipt]) -> None:
    client.app.dependency_overrides[any_principal] = lambda: Principal("enterprise", "sf-erp", "SF")  # type: ignore[attr-defined]
    r = client.get(f"/v1/waybills/{samples[0].receipt['waybill_no']}/label")
    assert r.status_code == 404
    assert r.json()["code"] == "receipt_not_found"


def test_a_label_needs_a_bearer_token(
    settings: Settings, store: FakeReceiptStore, samples: list[SampleReceipt]
) -> None:
    app = create_app(settings)
    app.dependency_overrides[label_routes.get_receipt_store] = lambda: store
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(f"/v1/waybills/{samples[0].receipt['waybill_no']}/label")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"
    assert store.asked == []


def test_a_stored_receipt_with_an_unmasked_phone_is_refused(client: TestClient) -> None:
    r = client.get("/v1/waybills/EZ000000000CN/label", params={"format": "png"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "receipt_unmasked"
    assert body["field"] == "masked.recipient.phone"
    assert "13912345678" not in r.text  # the refusal never echoes the value


@pytest.mark.parametrize(
    ("params", "status"),
    [({"format": "bmp"}, 422), ({"size": "50x50"}, 422), ({"style": "plain"}, 422), ({"dpi": 600}, 400)],
    ids=str,
)
def test_bad_parameters_are_problems(
    client: TestClient, samples: list[SampleReceipt], params: dict[str, Any], status: int
) -> None:
    r = client.get(f"/v1/waybills/{samples[0].receipt['waybill_no']}/label", params=params)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"


def test_receipt_store_not_configured_is_503(settings: Settings) -> None:
    app = create_app(settings)
    app.state.container = _ContainerWithoutStore(app.state.container)
    app.dependency_overrides[any_principal] = lambda: Principal("terminal", "t-1", "EMS")
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/v1/waybills/EA123456785CN/label")
    assert r.status_code == 503
    assert r.json()["code"] == "receipt_store_unavailable"


class _ContainerWithoutStore:
    """A container as the skeleton had it: no record store wired."""

    def __init__(self, inner: Any) -> None:
        self.extras: dict[str, Any] = {}
        self.clock = inner.clock
        self._inner = inner

    def close(self) -> None:
        self._inner.close()
