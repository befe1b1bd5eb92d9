"""Terminals and enterprise clients on SQL.

Bearer tokens and client secrets are 256-bit random values; only their SHA-256 is stored. (A slow
password hash is for low-entropy secrets people choose; a 256-bit random secret cannot be guessed,
and a fast hash keeps per-request authentication cheap.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine, RowMapping

from sealpost.adapters.db.tables.records import enterprise_clients, terminals
from sealpost.ports.terminals import EnterpriseClient, Terminal


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class SqlTerminalRegistry:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def register(
        self, *, company: str, outlet: str, courier_id: str, suite: str, public_key: bytes, now: datetime
    ) -> tuple[Terminal, str]:
        token = "spt_" + new_secret()
        terminal = Terminal(
            terminal_id="t-" + secrets.token_hex(8),
            company=company,
            outlet=outlet,
            courier_id=courier_id,
            suite=suite,
            public_key=public_key,
        )
        with self._engine.begin() as conn:
            conn.execute(
                terminals.insert().values(
                    terminal_id=terminal.terminal_id,
                    company=company,
                    outlet=outlet,
                    courier_id=courier_id,
                    suite=suite,
                    public_key=public_key,
                    token_hash=secret_hash(token),
                    status="active",
                    created_at=now,
                )
            )
        return terminal, token

    def get(self, terminal_id: str) -> Terminal | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(terminals).where(terminals.c.terminal_id == terminal_id)).first()
        return _terminal(row._mapping) if row is not None else None

    def by_token(self, token: str) -> Terminal | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(terminals).where(terminals.c.token_hash == secret_hash(token))
            ).first()
        return _terminal(row._mapping) if row is not None else None

    def revoke(self, terminal_id: str, now: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                terminals.update()
                .where(terminals.c.terminal_id == terminal_id, terminals.c.status == "active")
                .values(status="revoked", revoked_at=now)
            )
        return bool(result.rowcount)


class SqlEnterpriseClients:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, *, company: str, name: str, now: datetime) -> tuple[EnterpriseClient, str]:
        client = EnterpriseClient(client_id="ec-" + secrets.token_hex(8), company=company, name=name)
        secret = "spc_" + new_secret()
        with self._engine.begin() as conn:
            conn.execute(
                enterprise_clients.insert().values(
                    client_id=client.client_id,
                    company=company,
                    name=name,
                    secret_hash=secret_hash(secret),
                    status="active",
                    created_at=now,
                )
            )
        return client, secret

    def authenticate(self, client_id: str, secret: str) -> EnterpriseClient | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(enterprise_clients).where(enterprise_clients.c.client_id == client_id)
            ).first()
        # Compare even when the client is unknown, so timing does not tell which ids exist.
        stored = row._mapping["secret_hash"] if row is not None else b"\x00" * 32
        ok = hmac.compare_digest(stored, secret_hash(secret))
        if row is None or not ok or row._mapping["status"] != "active":
            return None
        return _client(row._mapping)

    def get(self, client_id: str) -> EnterpriseClient | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(enterprise_clients).where(enterprise_clients.c.client_id == client_id)
            ).first()
        return _client(row._mapping) if row is not None else None

    def revoke(self, client_id: str, now: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                enterprise_clients.update()
                .where(enterprise_clients.c.client_id == client_id, enterprise_clients.c.status == "active")
                .values(status="revoked", revoked_at=now)
            )
        return bool(result.rowcount)


def _terminal(row: RowMapping) -> Terminal:
    return Terminal(
        terminal_id=row["terminal_id"],
        company=row["company"],
        outlet=row["outlet"],
        courier_id=row["courier_id"],
        suite=row["suite"],
        public_key=row["public_key"],
        status=row["status"],
    )


def _client(row: RowMapping) -> EnterpriseClient:
    return EnterpriseClient(
        client_id=row["client_id"], company=row["company"], name=row["name"], status=row["status"]
    )
