"""End to end: sealed records through the real ingest pipeline, then labels from the stored signed
receipts through the API — on SQLite and PostgreSQL (``db_url``). None of the clear values the
terminal sealed may appear in any label's text, and every format decodes back."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from labels_decoders import PRINTED_AT, decode, escpos_to_images, ink_image, tspl_to_images, zpl_to_images
from PIL import Image

from records_support import (
    CLEAR_VALUES,
    SimTerminal,
    issue_ref,
    make_container,
    make_settings,
    parsed,
    personal,
    register_terminal,
    sealed_batch,
)
from sealpost.adapters.printing.layout import TextOp, layout_label
from sealpost.api.app import create_app
from sealpost.bootstrap import Container
from sealpost.domain.labels import LabelContent, LabelSpec
from sealpost.services.ingest import Source


@pytest.fixture
def container(tmp_path: Path, db_url: str) -> Iterator[Container]:
    c = make_container(make_settings(tmp_path / "data", db_url))
    yield c
    c.close()


@pytest.fixture
def terminal(container: Container) -> SimTerminal:
    return register_terminal(container)


@pytest.fixture
def receipts(container: Container, terminal: SimTerminal) -> list[dict[str, object]]:
    records = [
        (terminal.meta(identity_ref=issue_ref(container, terminal.terminal.courier_id).ref), personal())
        for _ in range(2)
    ]
    outcome = container.ingestor.ingest(
        parsed(sealed_batch(terminal.session(), records)), Source("terminal", terminal.terminal.terminal_id)
    )
    assert outcome.rejected == []
    return outcome.receipt_list()


def test_labels_print_from_stored_receipts_in_every_format(
    container: Container, terminal: SimTerminal, receipts: list[dict[str, object]]
) -> None:
    auth = {"Authorization": f"Bearer {terminal.token}"}
    with TestClient(create_app(container=container), raise_server_exceptions=False, headers=auth) as client:
        for receipt in receipts:
            no, ref = str(receipt["waybill_no"]), str(receipt["label_ref"])
            url = f"/v1/waybills/{no}/label"
            png = client.get(url, params={"format": "png", "dpi": 300})
            assert png.status_code == 200, png.text
            assert decode(Image.open(io.BytesIO(png.content))) == {"Code128": [no], "QRCode": [ref]}
            (zpl,) = zpl_to_images(client.get(url, params={"format": "zpl"}).content)
            assert decode(ink_image(zpl.image)) == {"Code128": [no], "QRCode": [ref]}
            (tspl,) = tspl_to_images(client.get(url, params={"format": "tspl"}).content, 203)
            assert decode(ink_image(tspl.image)) == {"Code128": [no], "QRCode": [ref]}
            (esc,) = escpos_to_images(client.get(url, params={"format": "escpos"}).content)
            assert decode(ink_image(esc)) == {"Code128": [no], "QRCode": [ref]}
            pdf = client.get(url, params={"format": "pdf", "two_part": "true"})
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        other = register_terminal(container, company="SF", outlet="SZ-NS-001", courier_id="c-2002")
        r = client.get(url, headers={"Authorization": f"Bearer {other.token}"})
        assert r.status_code == 404  # another company's terminal does not see EMS waybills


def test_no_clear_value_the_terminal_sealed_reaches_a_label(receipts: list[dict[str, object]]) -> None:
    for receipt in receipts:
        content = LabelContent.from_receipt(receipt, printed_at=PRINTED_AT)
        for spec in (LabelSpec(), LabelSpec(two_part=True)):
            text = "\n".join(
                "\n".join(op.lines)
                for op in layout_label(content, spec.template).ops
                if isinstance(op, TextOp)
            )
            for clear in CLEAR_VALUES:
                assert str(clear) not in text


def test_the_cli_verifies_receipt_signatures_with_the_platform_keys(
    container: Container, receipts: list[dict[str, object]], tmp_path: Path
) -> None:
    import base64
    import json

    from typer.testing import CliRunner

    from sealpost.cli.main import app

    keys = tmp_path / "keys.json"
    signing = {kid: base64.b64encode(k).decode() for kid, k in container.crypto.public_signing_keys().items()}
    keys.write_text(json.dumps({"signing_keys": signing}), encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(receipts[0], ensure_ascii=False), encoding="utf-8")
    forged = json.loads(json.dumps(receipts[0]))
    forged["marks"]["inspected"] = not forged["marks"]["inspected"]  # any change breaks the proof
    bad = tmp_path / "forged.json"
    bad.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()

    ok = runner.invoke(
        app, ["label", "render", str(good), "--keys", str(keys), "-o", str(tmp_path / "a.pdf")]
    )
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(
        app, ["label", "render", str(bad), "--keys", str(keys), "-o", str(tmp_path / "b.pdf")]
    )
    assert refused.exit_code == 1
    assert "receipt_invalid" in refused.stderr
    assert not (tmp_path / "b.pdf").exists()
