"""Demo data for ``make run``: enough for every page to show something, idempotent.

Each area adds a seeder to :data:`SEEDERS`; a seeder returns a small summary and must do
nothing when its data is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sealpost.bootstrap import Container
from sealpost.domain import events as ev


def _seed_events(container: Container) -> dict[str, Any]:
    if container.events.count_by_kind():
        return {"regulator_events": "present"}
    now = container.clock.now()
    demo = [
        ev.RegulatorEvent(
            ev.INTERCEPTION,
            now - timedelta(minutes=42),
            company="EMS",
            outlet="110105-001",
            courier_id="demo-courier-1",
            county_code="110105",
            reason="prohibited_item",
            detail={"category": 1, "category_name": "枪支（含仿制品、主要零部件）弹药"},
        ),
        ev.RegulatorEvent(
            ev.ID_REFUSED,
            now - timedelta(minutes=17),
            company="EMS",
            outlet="110105-001",
            courier_id="demo-courier-1",
            county_code="110105",
            reason="sender_refused_id",
        ),
    ]
    for event in demo:
        container.events.append(event)
    return {"regulator_events": len(demo)}


def _seed_courier(container: Container) -> dict[str, Any]:
    """A demo courier and their device file, so `/check-courier/` has something to check:
    ``sealpost courier qr data/demo/courier-device.json`` prints a QR text to paste there."""
    import orjson

    from sealpost.adapters.db.couriers_repo import SqlCourierRepository
    from sealpost.adapters.device_keys import P256DeviceSignatures
    from sealpost.client.courier_qr import CourierDevice
    from sealpost.services.courier_credentials import register_courier

    device_file = container.settings.data_dir / "demo" / "courier-device.json"
    if device_file.exists():
        return {"demo_courier": "present"}
    kit = container.crypto
    device = CourierDevice.generate()
    issued = register_courier(
        repo=SqlCourierRepository(container.engine),
        signer=kit,
        fields=kit.fields,
        blind=kit.blind,
        devices=P256DeviceSignatures(),
        clock=container.clock,
        suite_name=kit.keyring.suite_name,
        company="EMS",
        company_name="中国邮政速递物流",
        name="王建国",
        phone="13800138000",
        employee_no="DEMO-0001",
        outlet="110105-001",
        device_public_key=device.public_key(),
    )
    device_file.parent.mkdir(parents=True, exist_ok=True)
    device_file.write_bytes(
        orjson.dumps({"device_key_pem": device.private_pem().decode(), "issued": issued.to_json()})
    )
    device_file.chmod(0o600)
    return {"demo_courier": str(device_file)}


def _seed_calls(container: Container) -> dict[str, Any]:
    from sealpost.adapters.telephony import seed_calls_demo

    return seed_calls_demo(container)


def _seed_town(container: Container) -> dict[str, Any]:
    """A morning at a Beijing outlet, through the real API: senders, QR scans, walk-ins, receipts."""
    import orjson

    from sealpost.dev.simulator import simulate_in_process

    receipts_file = container.settings.data_dir / "demo" / "receipts.jsonl"
    if receipts_file.exists():
        return {"demo_receipts": "present"}
    report = simulate_in_process(container, parcels=24, senders=4)
    receipts_file.parent.mkdir(parents=True, exist_ok=True)
    receipts_file.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in report.receipts))
    return {"demo_town": report.summary(), "demo_receipts": str(receipts_file)}


SEEDERS: list[Callable[[Container], dict[str, Any]]] = [_seed_events, _seed_courier, _seed_calls, _seed_town]


def seed_demo(container: Container) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for seeder in SEEDERS:
        summary.update(seeder(container))
    return summary
