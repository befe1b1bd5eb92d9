"""Benchmark: log events per second with and without the PII redaction processor."""

from __future__ import annotations

import io
import time

import structlog

from sealpost.bench.report import report
from sealpost.logging import redact_personal_data


def _events(n: int) -> list[dict[str, object]]:
    return [
        {
            "event": "pickup_registered",
            "waybill_no": f"EA{i:08d}5CN",
            "courier_id": f"c-{i % 97}",
            "note": "寄件人 13812345678 身份证 11010519491231002X",
            "name": "张三",
        }
        for i in range(n)
    ]


def _render(events: list[dict[str, object]], redact: bool) -> float:
    renderer = structlog.processors.JSONRenderer()
    out = io.StringIO()
    started = time.perf_counter()
    for e in events:
        d = dict(e)
        if redact:
            d = dict(redact_personal_data(None, "info", d))
        rendered = renderer(None, "info", d)
        out.write(rendered if isinstance(rendered, str) else rendered.decode())
    return time.perf_counter() - started


def run(n: int) -> None:
    events = _events(n)
    base = _render(events, redact=False)
    red = _render(events, redact=True)
    report(
        "log redaction",
        {
            "events": n,
            "baseline_events_per_s": round(n / base),
            "redacted_events_per_s": round(n / red),
            "redaction_ratio": round(base / red, 3),
        },
    )
