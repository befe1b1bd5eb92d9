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


SEEDERS: list[Callable[[Container], dict[str, Any]]] = [_seed_events]


def seed_demo(container: Container) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for seeder in SEEDERS:
        summary.update(seeder(container))
    return summary
