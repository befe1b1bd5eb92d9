"""Benchmark: routing lookups for the telephone switch on SQLite with N active bindings.

Builds a fresh SQLite database (WAL, migrated) in a temporary folder, a crypto kit with a throwaway
keyring, a pool of AXB numbers and AXN hosts, and N live bindings whose numbers are really sealed
(AES-256-GCM field cipher) and indexed (HMAC blind index). Then it measures:

* ``route_call`` in process — one indexed query + one decryption per connect, lookups/s, p50/p99;
* the baseline: the bare primary-key SELECT on ``calls_routes`` through the same engine, so the
  ratio shows what the service adds on top of the database;
* the whole HTTP round trip of ``GET /v1/calls/route`` through the ASGI app (TestClient), p50/p99;
* binding through the service (allocation under the row lock), binds/s.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.progress import Progress

from sealpost.bench.report import percentile, report


def _timed(n: int, fn: Callable[[int], Any]) -> tuple[float, list[float]]:
    lat: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        lat.append((time.perf_counter() - t) * 1000)
    return time.perf_counter() - started, sorted(lat)


def run(bindings: int, lookups: int, http_lookups: int, binds: int) -> None:
    from fastapi.testclient import TestClient

    from sealpost.adapters.crypto.kit import CryptoKit
    from sealpost.adapters.crypto.memory import InMemoryDataKeyRepository
    from sealpost.adapters.db.calls_repo import SqlCallsRepository
    from sealpost.adapters.db.engine import make_engine
    from sealpost.adapters.db.migrate import upgrade
    from sealpost.adapters.db.tables.calls import calls_bindings, calls_routes
    from sealpost.adapters.telephony import CallsKit, KitFieldSealer, TelephonySettings
    from sealpost.api.app import create_app
    from sealpost.bootstrap import build_container
    from sealpost.config import Settings
    from sealpost.domain.calls import PoolNumber
    from sealpost.ports.calls import FIELD_PHONE_A, FIELD_PHONE_B, PHONE_KIND
    from sealpost.ports.clock import SystemClock
    from sealpost.services.bind_call import BindRequest, bind_call
    from sealpost.services.route_call import route_call

    rnd = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="sealpost-bench-calls-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'calls.db'}"
        upgrade(url)
        engine = make_engine(url)
        crypto = CryptoKit.open(
            Path(tmp) / "keyring", "bench-passphrase", InMemoryDataKeyRepository(), scrypt_n=2**12
        )
        sealer = KitFieldSealer(crypto.fields, crypto.blind)
        repo = SqlCallsRepository(engine)
        clock = SystemClock()
        now = clock.now()
        per_x = 2000
        n_x = max(1, -(-bindings // per_x))
        pool = [f"170{i:08d}" for i in range(n_x + 5)]
        repo.add_pool_numbers([PoolNumber(x, "3101", "axb") for x in pool])
        repo.add_pool_numbers([PoolNumber("02188880000", "3101", "axn")])

        # N live AXB bindings with disjoint parties, sealed and indexed for real, inserted in bulk
        couriers = [f"139{i:08d}" for i in range(bindings)]
        recipients = [f"138{i:08d}" for i in range(bindings)]
        rows_b: list[dict[str, Any]] = []
        rows_r: list[dict[str, Any]] = []
        expires = now + timedelta(days=15)
        with Progress(transient=True) as progress:
            task = progress.add_task("sealing bindings", total=bindings)
            for i in range(bindings):
                bid = str(uuid.uuid4())
                x = pool[i // per_x]
                a, b = couriers[i], recipients[i]
                a_idx, b_idx = sealer.blind_index(PHONE_KIND, a), sealer.blind_index(PHONE_KIND, b)
                rows_b.append(
                    {
                        "id": bid,
                        "model": "axb",
                        "x": x,
                        "extension": None,
                        "city": "3101",
                        "waybill_no": f"BENCH{i:09d}",
                        "a_idx": a_idx,
                        "b_idx": b_idx,
                        "created_at": now,
                        "expires_at": expires,
                    }
                )
                common = {"x": x, "ext": "", "binding_id": bid, "expires_at": expires}
                rows_r.append(
                    {
                        **common,
                        "caller_idx": a_idx,
                        "callee_field": FIELD_PHONE_B,
                        "callee_sealed": sealer.seal(b, record_id=bid, field=FIELD_PHONE_B, at=now),
                    }
                )
                rows_r.append(
                    {
                        **common,
                        "caller_idx": b_idx,
                        "callee_field": FIELD_PHONE_A,
                        "callee_sealed": sealer.seal(a, record_id=bid, field=FIELD_PHONE_A, at=now),
                    }
                )
                progress.advance(task)
        with engine.begin() as conn:
            conn.execute(calls_bindings.insert(), rows_b)
            conn.execute(calls_routes.insert(), rows_r)

        # the mix the switch sends: 80 % bound callers, 20 % strangers
        queries = []
        for _ in range(max(lookups, http_lookups)):
            i = rnd.randrange(bindings)
            x = pool[i // per_x]
            caller = (
                couriers[i]
                if rnd.random() < 0.4
                else recipients[i]
                if rnd.random() < 0.67
                else f"137{rnd.randrange(10**8):08d}"
            )
            queries.append((caller, x))
        # warm up
        for caller, x in queries[:200]:
            route_call(caller, x, None, repo=repo, sealer=sealer, clock=clock)

        baseline_sql = sa.select(calls_routes.c.callee_sealed).where(
            calls_routes.c.x == sa.bindparam("x"),
            calls_routes.c.ext == "",
            calls_routes.c.caller_idx == sa.bindparam("c"),
        )
        keys = [(sealer.blind_index(PHONE_KIND, c), x) for c, x in queries[:lookups]]
        reader = engine.execution_options(isolation_level="AUTOCOMMIT")

        def base(i: int) -> None:
            c, x = keys[i]
            with reader.connect() as conn:
                conn.execute(baseline_sql, {"x": x, "c": c}).first()

        base_s, base_lat = _timed(lookups, base)
        connects = 0

        def svc(i: int) -> None:
            nonlocal connects
            caller, x = queries[i]
            if route_call(caller, x, None, repo=repo, sealer=sealer, clock=clock).action == "connect":
                connects += 1

        svc_s, svc_lat = _timed(lookups, svc)

        settings = Settings(env="test", data_dir=Path(tmp) / "data", _env_file=None)
        container = build_container(settings, configure_logs=False)
        container.extras["calls"] = CallsKit(
            repo=repo,
            sealer=sealer,
            recipients=_NoRecipients(),
            receipts=_NoReceipts(),
            clock=clock,
            settings=TelephonySettings(_env_file=None),
        )
        with TestClient(create_app(container=container)) as client:
            for caller, x in queries[:100]:
                client.get("/v1/calls/route", params={"caller": caller, "x": x})

            def http(i: int) -> None:
                caller, x = queries[i]
                client.get("/v1/calls/route", params={"caller": caller, "x": x})

            http_s, http_lat = _timed(http_lookups, http)

        # binding through the service: allocation with the row lock, 2 seals, 2 blind indexes
        recipients_map = {f"BIND{i:08d}": f"136{i:08d}" for i in range(binds)}

        class _Recipients:
            def recipient_phone(self, waybill_no: str) -> str | None:
                return recipients_map.get(waybill_no)

        def bind(i: int) -> None:
            bind_call(
                BindRequest(f"BIND{i:08d}", f"135{i:08d}", "axb", "3101"),
                repo=repo,
                sealer=sealer,
                recipients=_Recipients(),
                clock=clock,
            )

        bind_s, _ = _timed(binds, bind)
        engine.dispose()

    report(
        f"calls routing on SQLite, {bindings:,} live bindings",
        {
            "bindings": bindings,
            "lookups": lookups,
            "connect_share": round(connects / lookups, 3),
            "route_lookups_per_s": round(lookups / svc_s),
            "route_p50_ms": round(percentile(svc_lat, 50), 3),
            "route_p99_ms": round(percentile(svc_lat, 99), 3),
            "baseline_select_per_s": round(lookups / base_s),
            "baseline_p99_ms": round(percentile(base_lat, 99), 3),
            "route_vs_baseline_ratio": round(svc_s / base_s, 2),
            "http_lookups": http_lookups,
            "http_route_p50_ms": round(percentile(http_lat, 50), 3),
            "http_route_p99_ms": round(percentile(http_lat, 99), 3),
            "http_route_per_s": round(http_lookups / http_s),
            "binds_per_s": round(binds / bind_s),
        },
    )


class _NoRecipients:
    def recipient_phone(self, waybill_no: str) -> str | None:
        return None


class _NoReceipts:
    def get_by_waybill(self, no: str) -> dict[str, Any] | None:
        return None
