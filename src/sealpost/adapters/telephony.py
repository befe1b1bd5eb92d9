"""Delivery calls wired to the real adapters: settings, crypto-backed sealer, recipient lookup.

* :class:`TelephonySettings` — ``SEALPOST_CALLS_*`` environment variables (binding lifetime,
  pairs per number, the switch's bearer token).
* :class:`KitFieldSealer` — :class:`~sealpost.ports.calls.FieldSealer` over the platform's field
  cipher (AES-256-GCM / SM4-GCM under per-day data keys) and keyed blind index.
* :class:`SqlRecipientPhones` — the recipient's real number for a waybill, read from the sealed
  collection record (``records.recipient_phone_enc``) and decrypted in memory to be re-sealed
  under the binding; it is never returned to a person.
* :class:`CallsKit` / :func:`calls_kit` — everything the calls routes and commands need, built once
  per container and cached in ``container.extras["calls"]`` (tests put their own kit there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine

from sealpost.adapters.db.calls_repo import SqlCallsRepository
from sealpost.domain.calls import DEFAULT_MAX_PAIRS_PER_X, ExpiryPolicy
from sealpost.ports.calls import CallsRepository, CourierPhones, FieldSealer, RecipientPhones
from sealpost.ports.clock import Clock
from sealpost.ports.crypto import BlindIndex, BlindIndexKind, FieldEncryptor
from sealpost.ports.receipts import ReceiptStore
from sealpost.services.bind_call import CallsPolicy

if TYPE_CHECKING:
    from sealpost.bootstrap import Container

#: The AAD field name the ingest pipeline seals the recipient's phone under.
RECORD_FIELD_RECIPIENT_PHONE = "recipient_phone"


class TelephonySettings(BaseSettings):
    """``SEALPOST_CALLS_*``: how bindings behave and how the switch authenticates."""

    model_config = SettingsConfigDict(
        env_prefix="SEALPOST_CALLS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    ttl_days: float = Field(default=15, gt=0, le=90, description="binding lifetime after delivery")
    max_ahead_days: float = Field(default=90, gt=0, description="longest lifetime a request may ask for")
    max_pairs_per_x: int = Field(default=DEFAULT_MAX_PAIRS_PER_X, ge=1, le=100_000)
    expired_grace_hours: float = Field(
        default=24, ge=0, description="how long an expired binding answers 'expired' before it is swept"
    )
    switch_token: SecretStr | None = Field(
        default=None, description="bearer token the switch sends to /v1/calls/route and /v1/calls/records"
    )

    def policy(self) -> CallsPolicy:
        ttl = timedelta(days=self.ttl_days)
        return CallsPolicy(
            expiry=ExpiryPolicy(ttl=ttl, maximum_ahead=max(ttl, timedelta(days=self.max_ahead_days))),
            max_pairs_per_x=self.max_pairs_per_x,
        )


class KitFieldSealer:
    """FieldSealer over the platform's field cipher and blind index."""

    def __init__(self, fields: FieldEncryptor, blind: BlindIndex) -> None:
        self._fields = fields
        self._blind = blind

    def seal(self, value: str, *, record_id: str, field: str, at: datetime) -> bytes:
        return self._fields.encrypt_text(record_id, field, value, at.astimezone(UTC).date())

    def unseal(self, blob: bytes, *, record_id: str, field: str) -> str:
        return self._fields.decrypt_text(record_id, field, blob)

    def blind_index(self, kind: str, value: str) -> bytes:
        return self._blind.index(cast(BlindIndexKind, kind), value)


class SqlRecipientPhones:
    """RecipientPhones over the sealed collection records (newest record of the waybill number)."""

    def __init__(self, engine: Engine, fields: FieldEncryptor) -> None:
        from sealpost.adapters.db.tables.records import records

        self._engine = engine
        self._fields = fields
        self._records = records
        self._query = (
            sa.select(records.c.record_id, records.c.recipient_phone_enc)
            .where(records.c.waybill_no == sa.bindparam("no"))
            .order_by(records.c.received_at.desc())
            .limit(1)
        )

    def recipient_phone(self, waybill_no: str, company: str | None = None) -> str | None:
        query = self._query if company is None else self._query.where(self._records.c.company == company)
        with self._engine.connect() as conn:
            row = conn.execute(query, {"no": waybill_no}).first()
        if row is None:
            return None
        return self._fields.decrypt_text(str(row[0]), RECORD_FIELD_RECIPIENT_PHONE, bytes(row[1]))


class SqlCourierPhones:
    """CourierPhones over the courier registry (``couriers.phone_bidx``)."""

    def __init__(self, engine: Engine) -> None:
        from sealpost.adapters.db.couriers_repo import SqlCourierRepository

        self._repo = SqlCourierRepository(engine)

    def phone_index(self, courier_id: str) -> bytes | None:
        courier = self._repo.get(courier_id)
        return None if courier is None else bytes(courier.phone_bidx)


@dataclass
class CallsKit:
    """The ports the calls use cases take, and the deployment's choices."""

    repo: CallsRepository
    sealer: FieldSealer
    recipients: RecipientPhones
    receipts: ReceiptStore
    clock: Clock
    settings: TelephonySettings = field(default_factory=TelephonySettings)
    couriers: CourierPhones | None = None

    @property
    def policy(self) -> CallsPolicy:
        return self.settings.policy()


def calls_kit(container: Container) -> CallsKit:
    """The container's calls kit, built on first use from its engine, crypto kit and record store."""
    kit = container.extras.get("calls")
    if kit is None:
        crypto = container.crypto
        kit = CallsKit(
            repo=SqlCallsRepository(container.engine),
            sealer=KitFieldSealer(crypto.fields, crypto.blind),
            recipients=SqlRecipientPhones(container.engine, crypto.fields),
            receipts=container.records,
            clock=container.clock,
            couriers=SqlCourierPhones(container.engine),
        )
        container.extras["calls"] = kit
    return cast(CallsKit, kit)


#: Demo pools for ``make run``: two AXB numbers and one AXN host in Beijing and in Shanghai.
DEMO_POOLS: tuple[tuple[str, str, str], ...] = (
    ("17000001101", "1101", "axb"),
    ("17000011101", "1101", "axb"),
    ("01088880000", "1101", "axn"),
    ("17000003101", "3101", "axb"),
    ("17000013101", "3101", "axb"),
    ("02188880000", "3101", "axn"),
)


def seed_calls_demo(container: Container) -> dict[str, int]:
    """Demo seeder: the pools above (idempotent: numbers already present are kept)."""
    from sealpost.domain.calls import Model, PoolNumber

    repo = SqlCallsRepository(container.engine)
    added = repo.add_pool_numbers(PoolNumber(n, city, cast(Model, m)) for n, city, m in DEMO_POOLS)
    return {"calls_pool_numbers": added}
