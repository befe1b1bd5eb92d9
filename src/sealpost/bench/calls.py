"""Benchmark: routing lookups for the telephone switch on SQLite with N active bindings.

Builds a fresh SQLite database (WAL, migrated) in a temporary folder, a crypto kit with a throwaway
keyring, a pool of AXB numbers and AXN hosts, and N live bindings whose numbers are really sealed
(AES-256-GCM field cipher) and indexed (HMAC blind index). Then it measures:

* ``route_call`` in process — one indexed query + one decryption per connect, lookups/s, p50/p99;
* the baseline: the bare primary-key SELECT on ``calls_routes`` through the same engine, so the
  ratio shows what the service adds on top of the database;
* the whole HTTP round trip of ``GET /v1/calls/route`` against ``sealpost serve`` (uvicorn, one
  worker, started for the run on a free loopback port) from a keep-alive client, p50/p99;
* binding through the service (allocation under the row lock), binds/s.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.progress import Progress

from sealpost.bench.processes import free_port
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
    from sealpost.adapters.crypto.kit import CryptoKit
    from sealpost.adapters.db.calls_repo import SqlCallsRepository
    from sealpost.adapters.db.engine import make_engine
    from sealpost.adapters.db.migrate import upgrade
    from sealpost.adapters.db.tables.calls import calls_bindings, calls_routes
    from sealpost.adapters.telephony import KitFieldSealer
    from sealpost.config import Settings
    from sealpost.domain.calls import PoolNumber
    from sealpost.ports.calls import FIELD_PHONE_A, FIELD_PHONE_B, PHONE_KIND
    from sealpost.ports.clock import SystemClock
    from sealpost.services.bind_call import BindRequest, bind_call
    from sealpost.services.route_call import route_call

    rnd = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="sealpost-bench-calls-") as tmp:
        data_dir = Path(tmp) / "data"
        settings = Settings(data_dir=data_dir, database_url=None)
        url = settings.effective_database_url
        upgrade(url)
        engine = make_engine(url)
        crypto = CryptoKit.from_settings(settings, engine)  # the keyring the server process opens too
        token = secrets.token_urlsafe(24)
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

        http_lat, health_lat = _http_round_trips(tmp, data_dir, queries[:http_lookups], token)
        http_s = sum(http_lat) / 1000

        # binding through the service: allocation with the row lock, 2 seals, 2 blind indexes
        recipients_map = {f"BIND{i:08d}": f"136{i:08d}" for i in range(binds)}

        class _Recipients:
            def recipient_phone(self, waybill_no: str, company: str | None = None) -> str | None:
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
            "http_route_p99_target_ms": 5,
            "http_healthz_p50_ms": round(percentile(health_lat, 50), 3),
            "http_healthz_p99_ms": round(percentile(health_lat, 99), 3),
            "binds_per_s": round(binds / bind_s),
        },
    )


def _http_round_trips(
    tmp: str, data_dir: Path, queries: list[tuple[str, str]], token: str
) -> tuple[list[float], list[float]]:
    """Sequential ``GET /v1/calls/route`` and ``GET /healthz`` against a real server; sorted ms."""
    import httpx

    port = free_port()
    env = dict(os.environ)
    env.update(
        SEALPOST_DATA_DIR=str(data_dir),
        SEALPOST_DATABASE_URL="",
        SEALPOST_CALLS_SWITCH_TOKEN=token,
        SEALPOST_LOG_LEVEL="warning",
    )
    log = Path(tmp) / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "sealpost.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=5.0) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")
                    time.sleep(0.2)
                for caller, x in queries[:200]:  # warm up
                    client.get("/v1/calls/route", params={"caller": caller, "x": x})

                def one(i: int) -> None:
                    caller, x = queries[i]
                    res = client.get("/v1/calls/route", params={"caller": caller, "x": x})
                    res.raise_for_status()

                _, lat = _timed(len(queries), one)
                # baseline in the same run: the trivial liveness endpoint through the same stack
                _, health = _timed(len(queries), lambda _i: client.get("/healthz").raise_for_status())
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return lat, health
