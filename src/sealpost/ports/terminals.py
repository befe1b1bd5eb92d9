"""Courier terminals and enterprise clients: who may submit records, and how they prove it.

A **terminal** (PDA, phone app, the courier web page) belongs to one courier at one outlet of one
company. It holds an Ed25519 (``gm``: SM2) signing key whose public half the platform registered,
and a bearer token for the API (stored as its SHA-256 only). It signs the header of every
terminal session it opens, so each sealed record is bound to that terminal.

An **enterprise client** is an express company's system that relays batches of sealed records
(OAuth2 client credentials: ``client_id`` + secret, stored as a hash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Terminal:
    terminal_id: str
    company: str
    outlet: str
    courier_id: str
    suite: str
    public_key: bytes = field(repr=False)
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class EnterpriseClient:
    client_id: str
    company: str
    name: str
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"


class TerminalRegistry(Protocol):
    def register(
        self, *, company: str, outlet: str, courier_id: str, suite: str, public_key: bytes, now: datetime
    ) -> tuple[Terminal, str]:
        """Register a terminal; returns it and its bearer token (shown once, stored hashed)."""
        ...

    def get(self, terminal_id: str) -> Terminal | None: ...

    def by_token(self, token: str) -> Terminal | None:
        """The active-or-not terminal whose bearer token is ``token``."""
        ...

    def revoke(self, terminal_id: str, now: datetime) -> bool: ...


class EnterpriseClients(Protocol):
    def create(self, *, company: str, name: str, now: datetime) -> tuple[EnterpriseClient, str]:
        """A new client; returns it and its secret (shown once, stored hashed)."""
        ...

    def authenticate(self, client_id: str, secret: str) -> EnterpriseClient | None:
        """The active client if ``secret`` is right, else None (constant-time comparison)."""
        ...

    def get(self, client_id: str) -> EnterpriseClient | None: ...
