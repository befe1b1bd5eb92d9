"""Helpers for the collection-pipeline tests (unit, integration, e2e): realistic records, a
container with a fast keyring, a registered terminal that seals like a real one."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sealpost.adapters.crypto import Keyring, get_suite
from sealpost.adapters.crypto.kit import keyring_dir
from sealpost.bootstrap import Container, build_container
from sealpost.client.sealing import SealingSession, batch_payload, uuid7
from sealpost.config import Settings
from sealpost.domain.masking import mask_id_number, mask_name
from sealpost.domain.records import Party, PersonalFields, SenderIdentity, format_time
from sealpost.domain.waybill_numbers import s10_number
from sealpost.ports.clock import Clock
from sealpost.ports.identity_refs import VerifiedSender
from sealpost.ports.terminals import Terminal
from sealpost.services.ingest import parse_batch

PASSPHRASE = "test keyring passphrase 测试"
FAST_SCRYPT_N = 2**10

# Clear personal data the privacy tests search for in storage (distinctive on purpose).
SENDER_NAME = "司马光明"
SENDER_ID = "11010519491231002X"
SENDER_PHONE = "13800138000"
SENDER_ADDRESS = "北京市朝阳区建国路88号院3号楼2单元1203室"
RECIPIENT_NAME = "欧阳娜娜"
RECIPIENT_PHONE = "13912345678"
RECIPIENT_ADDRESS = "上海市浦东新区世纪大道1001号5号楼1201室"
CLEAR_VALUES = (
    SENDER_NAME,
    SENDER_ID,
    SENDER_PHONE,
    SENDER_ADDRESS,
    RECIPIENT_NAME,
    RECIPIENT_PHONE,
    RECIPIENT_ADDRESS,
    "1203室",
    "1201室",
)


#: A valid record's clear metadata in wire form, with fixed values (unit tests of parsing and rules).
WIRE_META: dict[str, Any] = {
    "record_id": "01936f0e-7c4a-7d1e-9b2a-3f5c8d0e1a2b",
    "terminal_id": "t-1",
    "company": "EMS",
    "outlet": "BJ-1",
    "courier_id": "c-1",
    "waybill_no": "EA123456785CN",
    "origin_county": "110105",
    "destination_county": "310115",
    "item_name": "书籍",
    "item_category": "图书音像",
    "quantity": 1,
    "weight_g": 520,
    "declared_value_fen": 5000,
    "inspected": True,
    "sender_kind": "qr",
    "identity_ref": "REF",
    "collected_at": "2026-11-28T09:29:59.000Z",
}


def make_settings(data_dir: Path, database_url: str | None = None, **extra: Any) -> Settings:
    return Settings(
        env="test",
        data_dir=data_dir,
        database_url=database_url,
        keyring_passphrase=PASSPHRASE,
        _env_file=None,
        **extra,
    )


def prepare_keyring(settings: Settings) -> None:
    """Create the keyring with a cheap scrypt cost, so containers and servers open it fast."""
    Keyring.open_or_create(
        keyring_dir(settings), PASSPHRASE, suite=settings.crypto_suite, scrypt_n=FAST_SCRYPT_N
    )


def make_container(settings: Settings, clock: Clock | None = None) -> Container:
    prepare_keyring(settings)
    return build_container(settings, clock=clock, configure_logs=False)


@dataclass
class SimTerminal:
    terminal: Terminal
    token: str
    private_key: bytes
    platform_public: bytes
    suite: str = "intl"

    def session(self) -> SealingSession:
        return SealingSession(
            terminal_id=self.terminal.terminal_id,
            signing_private=self.private_key,
            platform_public=self.platform_public,
            suite=self.suite,
        )

    def meta(self, **overrides: Any) -> dict[str, Any]:
        t = self.terminal
        base = {k: v for k, v in WIRE_META.items() if k != "identity_ref"}  # the caller names the sender
        base.update(
            record_id=uuid7(),
            terminal_id=t.terminal_id,
            company=t.company,
            outlet=t.outlet,
            courier_id=t.courier_id,
            waybill_no=s10_number("EA", random.randrange(10**8), "CN"),
            collected_at=format_time(datetime.now(UTC) - timedelta(seconds=1)),
        )
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not None}


def register_terminal(
    container: Container, *, company: str = "EMS", outlet: str = "BJ-CY-001", courier_id: str = "c-1001"
) -> SimTerminal:
    suite = get_suite(container.crypto.suite.name)
    pair = suite.new_signing_key()
    terminal, token = container.terminals.register(
        company=company,
        outlet=outlet,
        courier_id=courier_id,
        suite=suite.name,
        public_key=pair.public,
        now=container.clock.now(),
    )
    return SimTerminal(terminal, token, pair.private, container.crypto.sealing_public_key(), suite.name)


def personal(
    *,
    sender_phone: str = SENDER_PHONE,
    recipient_phone: str = RECIPIENT_PHONE,
    recipient_name: str = RECIPIENT_NAME,
) -> PersonalFields:
    return PersonalFields(
        sender=Party("", sender_phone, SENDER_ADDRESS),
        recipient=Party(recipient_name, recipient_phone, RECIPIENT_ADDRESS),
    )


def issue_ref(container: Container, courier_id: str, source: str = "qr") -> VerifiedSender:
    identity = SenderIdentity(SENDER_NAME, "resident_id", SENDER_ID, sender_id="s-0001")
    return container.identity_refs.issue(
        courier_id=courier_id,
        source=source,  # type: ignore[arg-type]
        identity=identity,
        masked={"name": mask_name(SENDER_NAME), "document_number": mask_id_number(SENDER_ID)},
        now=container.clock.now(),
        sender_id="s-0001" if source == "qr" else None,
        adult=True,
    )


def sealed_batch(
    session: SealingSession, records: list[tuple[dict[str, Any], PersonalFields]]
) -> dict[str, Any]:
    return batch_payload([session], [session.seal(meta, p) for meta, p in records])


def parsed(payload: dict[str, Any]) -> Any:
    return parse_batch(payload)


def dump_storage_bytes(container: Container) -> bytes:
    """Every byte the database holds for the test: the SQLite files (the database, its WAL, the
    blind-index tokens file ``<name>-blind.db``…), or a PostgreSQL dump of rows."""
    url = container.engine.url
    if url.get_backend_name() == "sqlite":
        container.engine.dispose()
        base = Path(str(url.database))
        return b"".join(p.read_bytes() for p in base.parent.glob(base.stem + "*") if p.is_file())
    import subprocess

    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--no-owner",
            "-h",
            url.host or "127.0.0.1",
            "-U",
            url.username or "postgres",
            "-p",
            str(url.port or 5432),
            str(url.database),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return dump.stdout


def wait_for(check: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll ``check`` (a background thread's work) until it is true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
