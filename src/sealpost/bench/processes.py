"""What the multi-process benchmarks share: a free port, a process group's CPU time, the PostgreSQL
server's CPU time, and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

#: Where ``--db postgres`` creates (and drops) its throwaway databases.
PG_ADMIN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _proc_stats() -> Iterator[tuple[bytes, list[bytes]]]:
    """(command name, the ``stat`` fields after it) of every live process (Linux /proc);
    ``fields[0]`` is field 3 of ``stat`` (the state)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        close = data.rfind(b")")
        yield data[data.find(b"(") + 1 : close], data[close + 1 :].split()


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid``."""
    ticks = sum(int(f[11]) + int(f[12]) for _, f in _proc_stats() if int(f[2]) == pgid)  # f[2]: pgrp
    return ticks / os.sysconf("SC_CLK_TCK")


def _admin_url() -> str:
    return os.environ.get("SEALPOST_BENCH_PG_ADMIN", PG_ADMIN_DEFAULT)


def create_throwaway_pg(prefix: str = "sealpost_bench") -> tuple[str, str]:
    """Create an empty PostgreSQL database; its SQLAlchemy URL and its name (for the drop)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(_admin_url()).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), name


def drop_throwaway_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_cpu_seconds() -> float:
    """User + system CPU seconds of every PostgreSQL server process on this machine, with the
    children each has reaped (utime + stime + cutime + cstime of every process whose command name
    starts with ``postgres``). Backends that exit are reaped by the postmaster, so their whole
    time moves into its cutime/cstime: a difference of two readings counts the backends that came
    and went in between as well."""
    ticks = sum(sum(int(v) for v in f[11:15]) for name, f in _proc_stats() if name.startswith(b"postgres"))
    return ticks / os.sysconf("SC_CLK_TCK")
