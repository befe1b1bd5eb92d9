"""The composition root: wires adapters into the services for the API, the CLI, tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from sealpost.adapters.db.engine import make_engine
from sealpost.adapters.db.events_repo import SqlEventLog
from sealpost.config import Settings
from sealpost.logging import configure_logging
from sealpost.ports.clock import Clock, SystemClock

if TYPE_CHECKING:
    from sealpost.adapters.crypto.kit import CryptoKit


@dataclass
class Container:
    """Everything a request handler or command needs, built once per process."""

    settings: Settings
    engine: Engine
    clock: Clock
    events: SqlEventLog
    extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def crypto(self) -> CryptoKit:
        """The suite, keyring, field cipher and blind index (the keyring opens on first use)."""
        from sealpost.adapters.crypto.kit import CryptoKit

        return CryptoKit.from_settings(self.settings, self.engine, self.clock)

    def close(self) -> None:
        self.engine.dispose()


def build_container(
    settings: Settings, *, clock: Clock | None = None, configure_logs: bool = True
) -> Container:
    if configure_logs:
        configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    return Container(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        events=SqlEventLog(engine),
    )
