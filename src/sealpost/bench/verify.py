"""Benchmark: identity QR verifications (``POST /v1/pickups/identify``) at increasing rates.

A real server runs in its own process (``sealpost serve``, uvicorn, ``--workers``), on a fresh data
folder (SQLite by default, or ``--database-url``). Senders are enrolled through the service, a
courier terminal is registered, then several client processes — each with pre-made identity codes
from its own simulated phones — drive the endpoint open-loop at each target rate (requests are
scheduled at fixed intervals; latency is measured from the scheduled time, so a saturated server
shows its queueing delay instead of hiding it). A last closed-loop run finds the maximum rate.

Baseline in the same run: ``GET /healthz`` closed-loop on the same server (the HTTP stack's own
ceiling), so ``verify_vs_healthz`` says what the verification itself costs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from sealpost.bench.processes import create_throwaway_pg, drop_throwaway_pg, free_port, group_cpu_seconds
from sealpost.bench.report import percentile, report

CODE_MARGIN = 1.15
#: Codes each client makes for the closed-loop level, per second of it.
CLOSED_LOOP_CODES_PER_S = 3000
#: Untimed warm-up before the levels (each worker's first requests load keys and caches).
WARM_UP_RATE = 300
WARM_UP_S = 1.0
#: Requests still queued this long after a level's end are dropped (counted as status 0).
GRACE_S = 2.0


@dataclass(frozen=True)
class _Job:
    port: int
    token: str
    devices: list[tuple[bytes, str]]  # (private PEM, sender_id)
    platform_key: bytes
    plan: list[float]  # target rates (per client) of each open-loop level; 0 = closed loop
    duration_s: float
    connections: int
    path: str


def _citizen(i: int) -> str:
    from sealpost.domain.identity import check_character

    birth = date(1960, 1, 1) + timedelta(days=i * 37 % 14000)
    body = f"110105{birth:%Y%m%d}{i % 1000:03d}"
    return body + check_character(body)


def _prepare(
    data: Path, database_url: str | None, senders: int
) -> tuple[str, list[tuple[bytes, str]], bytes]:
    """Migrate, enroll ``senders`` senders (one phone each), register a courier terminal."""
    from sealpost.adapters.db.migrate import upgrade
    from sealpost.bootstrap import build_container
    from sealpost.client.identity_qr import SenderDevice
    from sealpost.config import Settings
    from sealpost.services.enroll import EnrollmentRequest

    settings = Settings(
        env="test", data_dir=data, database_url=database_url, log_level="warning", _env_file=None
    )
    upgrade(settings.effective_database_url)
    container = build_container(settings)  # logs at warning: enrollment chatter stays out of the figures
    devices: list[tuple[bytes, str]] = []
    try:
        for i in range(senders):
            device = SenderDevice.generate()
            result = container.enrollment.enroll(
                EnrollmentRequest(
                    device_public_key=device.public_key(),
                    number=_citizen(i),
                    name="测试用户",
                    phone="13800000000",
                )
            )
            devices.append((device.private_pem(), str(result.sender_id)))
        _terminal, token = container.terminals.register(
            company="BENCH",
            outlet="B-1",
            courier_id="bench-courier",
            suite="intl",
            public_key=os.urandom(32),
            now=datetime.now(UTC),
        )
        platform_key = container.crypto.sealing_public_key()
    finally:
        container.close()
    return token, devices, platform_key


# ------------------------------------------------------------------------------------- clients


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    at = head.lower().find(b"\r\ncontent-length:")
    if at >= 0:
        end = head.index(b"\r\n", at + 17)
        length = int(head[at + 17 : end])
        if length:
            await reader.readexactly(length)
    return status


async def _level(job: _Job, bodies: list[bytes], rate: float) -> tuple[list[float], dict[int, int], float]:
    """Open loop at ``rate`` per second (closed loop when 0) for ``job.duration_s``."""
    header = (
        f"POST {job.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {job.token}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    healthz = job.path == "/healthz"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    started = time.perf_counter()
    deadline = started + job.duration_s
    it = iter(bodies)

    def raw(body: bytes) -> bytes:
        if healthz:
            return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        return header + str(len(body)).encode() + b"\r\n\r\n" + body

    async def next_open() -> tuple[float, bytes] | None:
        return await queue.get()

    async def next_closed() -> tuple[float, bytes] | None:
        # Closed loop: the next request goes as soon as the previous answer is in.
        now = time.perf_counter()
        body = next(it, None) if now < deadline else None
        return None if body is None else (now, body)

    take = next_open if rate > 0 else next_closed

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", job.port)
        try:
            while True:
                item = await take()
                if item is None:
                    return
                scheduled, body = item
                if time.perf_counter() > deadline + GRACE_S:
                    statuses[0] = statuses.get(0, 0) + 1  # never sent: the server fell too far behind
                    continue
                try:
                    status = await _request(reader, writer, raw(body))
                except (ConnectionError, asyncio.IncompleteReadError):
                    statuses[-1] = statuses.get(-1, 0) + 1  # the server dropped the connection
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", job.port)
                    continue
                latencies.append(time.perf_counter() - scheduled)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(job.connections)]
    if rate > 0:
        i = 0
        while True:
            at = started + i / rate
            if at >= deadline:
                break
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = next(it, None)
            if body is None:
                break
            queue.put_nowait((at, body))
            i += 1
        for _ in workers:
            queue.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, statuses, min(time.perf_counter() - started, job.duration_s + GRACE_S)


def _client(job: _Job, out: Any, barrier: Any) -> None:
    from uuid import UUID

    import uvloop

    from sealpost.client.identity_qr import SenderDevice

    phones = [
        SenderDevice.from_pem(pem, sender_id=UUID(sid), platform_sealing_key=job.platform_key)
        for pem, sid in job.devices
    ]
    results = []
    for rate in job.plan:
        # Codes are made just before their level: a code is only valid for about 90 s.
        wanted = int((rate or CLOSED_LOOP_CODES_PER_S) * job.duration_s * CODE_MARGIN) + 10
        if job.path == "/healthz":
            bodies = [b""] * wanted
        else:
            bodies = [orjson.dumps({"qr": phones[i % len(phones)].identity_qr()}) for i in range(wanted)]
        barrier.wait()  # every client starts each level together
        cpu = time.process_time()
        latencies, statuses, elapsed = uvloop.run(_level(job, bodies, rate))
        results.append((latencies, statuses, elapsed, time.process_time() - cpu))
    out.put(("done", results))


# ------------------------------------------------------------------------------------- driver


#: One level's result: sorted latencies (s), answers by status, elapsed (s), the clients' CPU (s).
Level = tuple[list[float], dict[int, int], float, float]


def _drive(job_for: Any, clients: int, plan: list[float]) -> list[Level]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    barrier = ctx.Barrier(clients)
    procs = [ctx.Process(target=_client, args=(job_for(i), out, barrier)) for i in range(clients)]
    for p in procs:
        p.start()
    done = 0
    per_client: list[list[Level]] = []
    while done < clients:
        _kind, value = out.get(timeout=600)
        per_client.append(value)
        done += 1
    for p in procs:
        p.join()
    merged: list[Level] = []
    for level in range(len(plan)):
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        elapsed = 0.0
        client_cpu = 0.0
        for result in per_client:
            lat, st, el, cpu = result[level]
            latencies += lat
            for k, v in st.items():
                statuses[k] = statuses.get(k, 0) + v
            elapsed = max(elapsed, el)
            client_cpu += cpu
        merged.append((sorted(latencies), statuses, elapsed, client_cpu))
    return merged


def run(
    rates: list[int],
    duration_s: float,
    clients: int,
    workers: int,
    senders: int,
    connections: int,
    database_url: str | None,
    db: str = "sqlite",
) -> None:
    """``db`` = ``postgres``: a throwaway database (dropped after) unless ``database_url`` names one."""
    data = Path(tempfile.mkdtemp(prefix="sealpost-bench-verify-"))
    throwaway = None
    if db == "postgres" and not database_url:
        database_url, throwaway = create_throwaway_pg("sealpost_bench_verify")
    try:
        _run(rates, duration_s, clients, workers, senders, connections, database_url, data)
    finally:
        shutil.rmtree(data, ignore_errors=True)
        if throwaway:
            drop_throwaway_pg(throwaway)


def _run(
    rates: list[int],
    duration_s: float,
    clients: int,
    workers: int,
    senders: int,
    connections: int,
    database_url: str | None,
    data: Path,
) -> None:
    token, devices, platform_key = _prepare(data, database_url, senders)
    port = free_port()
    env = {
        **os.environ,
        "SEALPOST_DATA_DIR": str(data),
        "SEALPOST_ENV": "test",
        "SEALPOST_LOG_LEVEL": "warning",
    }
    if database_url:
        env["SEALPOST_DATABASE_URL"] = database_url
    else:
        env.pop("SEALPOST_DATABASE_URL", None)
    server_log = (data / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "sealpost.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=server_log,
        stderr=server_log,
        start_new_session=True,  # its own process group: the workers' CPU time is summed by group
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")

        def job(path: str, plan: list[float], seconds: float = duration_s) -> Any:
            def make(i: int) -> _Job:
                mine = devices[i::clients] or devices
                return _Job(port, token, mine, platform_key, plan, seconds, connections, path)

            return make

        cpu = group_cpu_seconds(server.pid)
        baseline = _drive(job("/healthz", [0.0]), clients, [0.0])[0]
        cpu_healthz = group_cpu_seconds(server.pid) - cpu
        warm_up = [WARM_UP_RATE / clients]
        _drive(job("/v1/pickups/identify", warm_up, WARM_UP_S), clients, warm_up)  # untimed
        plan = [r / clients for r in rates] + [0.0]
        cpu = group_cpu_seconds(server.pid)
        levels = _drive(job("/v1/pickups/identify", plan), clients, plan)
        cpu_verify = group_cpu_seconds(server.pid) - cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()

    def ok_rate(level: Level) -> float:
        return level[1].get(200, 0) / level[2] if level[2] else 0.0

    figures: dict[str, Any] = {
        "server_workers": workers,
        "client_processes": clients,
        "senders": senders,
        "database": "postgresql" if database_url else "sqlite",
        "load_average_1m": round(os.getloadavg()[0], 2),
        "healthz_per_s": round(ok_rate(baseline)),
    }
    for rate, level in zip(rates, levels, strict=False):
        lat, statuses, _elapsed, _cpu = level
        figures[f"at_{rate}_verifications_per_s"] = round(ok_rate(level))
        figures[f"at_{rate}_p50_ms"] = round(percentile(lat, 50) * 1000, 2)
        figures[f"at_{rate}_p99_ms"] = round(percentile(lat, 99) * 1000, 2)
        errors = sum(v for k, v in statuses.items() if k not in (0, 200))
        if errors:
            figures[f"at_{rate}_errors"] = errors
            figures[f"at_{rate}_error_statuses"] = ",".join(
                f"{k}:{v}" for k, v in sorted(statuses.items()) if k not in (0, 200)
            )
        if statuses.get(0):
            figures[f"at_{rate}_dropped"] = statuses[0]
    top = levels[-1]
    figures["max_verifications_per_s"] = round(ok_rate(top))
    figures["max_p50_ms"] = round(percentile(top[0], 50) * 1000, 2)
    figures["max_p99_ms"] = round(percentile(top[0], 99) * 1000, 2)
    figures["verify_vs_healthz"] = round(ok_rate(top) / max(1.0, ok_rate(baseline)), 3)
    # CPU time of the API processes (not the database server's, nor the load generator's): what a
    # verification costs however busy the shared machine is, and the rate that cost allows.
    answered = sum(sum(level[1].values()) - level[1].get(0, 0) for level in levels)
    healthz_answered = sum(baseline[1].values()) - baseline[1].get(0, 0)
    cpu_us = cpu_verify / answered * 1e6 if answered else 0.0
    figures["server_cpu_us_per_verification"] = round(cpu_us)
    figures["server_cpu_us_per_healthz"] = (
        round(cpu_healthz / healthz_answered * 1e6) if healthz_answered else 0
    )
    # The load generators share the two cores: their CPU per answered request at the maximum.
    top_answered = sum(top[1].values()) - top[1].get(0, 0)
    figures["client_cpu_us_per_verification"] = round(top[3] / top_answered * 1e6) if top_answered else 0
    figures["cpu_count"] = os.cpu_count() or 0
    figures["cpu_bound_verifications_per_s"] = round((os.cpu_count() or 1) * 1e6 / cpu_us) if cpu_us else 0
    bad = {k: v for k, v in top[1].items() if k != 200}
    if bad:
        figures["max_errors"] = sum(bad.values())
    figures["target_max_per_s"] = 3000
    figures["target_p99_ms_at_1000"] = 20
    report("identity QR verifications (POST /v1/pickups/identify)", figures)
