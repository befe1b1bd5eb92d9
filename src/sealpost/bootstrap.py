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
    from sealpost.adapters.db.agreement_customers_repo import SqlAgreementCustomers
    from sealpost.adapters.db.identify_ledger import SqlIdentifyLedger
    from sealpost.adapters.db.identity_refs_repo import SqlIdentityRefs
    from sealpost.adapters.db.records_repo import SqlRecordStore
    from sealpost.adapters.db.relay_repo import SqlEnterpriseStore
    from sealpost.adapters.db.senders_repo import SqlSenderRepository
    from sealpost.adapters.db.terminals_repo import SqlEnterpriseClients, SqlTerminalRegistry
    from sealpost.adapters.device_keys import P256DeviceSignatures
    from sealpost.domain.items import ItemChecker
    from sealpost.domain.records import RecordRules
    from sealpost.ports.identity_verifier import IdentityVerifier
    from sealpost.ports.senders import ReplayCache
    from sealpost.services.access import AccessTokens, TerminalTokens
    from sealpost.services.device_auth import DeviceRequestAuthenticator
    from sealpost.services.enroll import SenderEnrollment
    from sealpost.services.identify_sender import SenderIdentifier
    from sealpost.services.ingest import Ingestor
    from sealpost.services.pickup import PickupDesk
    from sealpost.services.relay import Relay


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

    # ---------------------------------------------------------------- collection pipeline (records)
    @cached_property
    def records(self) -> SqlRecordStore:
        """Records and signed receipts (also the labels' :class:`~sealpost.ports.receipts.ReceiptStore`)."""
        from sealpost.adapters.db.records_repo import SqlRecordStore

        return SqlRecordStore(self.engine)

    @cached_property
    def identity_refs(self) -> SqlIdentityRefs:
        """One-time sender identity references (identity QR and walk-in → pickup record)."""
        from sealpost.adapters.db.identity_refs_repo import SqlIdentityRefs

        return SqlIdentityRefs(self.engine, self.crypto.fields)

    @cached_property
    def terminals(self) -> SqlTerminalRegistry:
        from sealpost.adapters.db.terminals_repo import SqlTerminalRegistry

        return SqlTerminalRegistry(self.engine)

    @cached_property
    def enterprise_clients(self) -> SqlEnterpriseClients:
        from sealpost.adapters.db.terminals_repo import SqlEnterpriseClients

        return SqlEnterpriseClients(self.engine)

    @cached_property
    def relay_store(self) -> SqlEnterpriseStore:
        from sealpost.adapters.db.relay_repo import SqlEnterpriseStore

        return SqlEnterpriseStore(self.engine)

    @cached_property
    def agreement_customers(self) -> SqlAgreementCustomers:
        from sealpost.adapters.db.agreement_customers_repo import SqlAgreementCustomers

        return SqlAgreementCustomers(self.engine, self.crypto.fields, self.crypto.blind)

    @cached_property
    def item_checker(self) -> ItemChecker:
        """The prohibited-items checker (packaged catalogue, OpenCC traditional → simplified)."""
        from sealpost.adapters.text.opencc_converter import default_item_checker

        return default_item_checker()

    @cached_property
    def record_rules(self) -> RecordRules:
        from sealpost.services.record_rules import build_rules

        return build_rules(item_verdict=self.item_checker.check_item)

    @cached_property
    def pickup_desk(self) -> PickupDesk:
        """The courier's pickup steps on the platform: walk-in identity, pickup check, refusals."""
        from datetime import date

        from sealpost.services.pickup import PickupDesk

        def read_card(photo: bytes, today: date) -> object:
            from sealpost.adapters.ocr.rapid import RapidTextRecognizer
            from sealpost.services.read_id_card import read_id_card

            recognizer = self.extras.get("recognizer")
            if recognizer is None:
                recognizer = self.extras["recognizer"] = RapidTextRecognizer()
            return read_id_card(recognizer, photo, today=today)

        return PickupDesk(
            refs=self.identity_refs,
            check_item=self.item_checker.check_item,
            events=self.events,
            clock=self.clock,
            open_blob=self.ingestor.open_blob,
            read_card=read_card,
        )

    @cached_property
    def terminal_tokens(self) -> TerminalTokens:
        """Bearer-token authentication of courier terminals (short cache)."""
        from sealpost.services.access import TerminalTokens

        return TerminalTokens(self.terminals)

    @cached_property
    def access_tokens(self) -> AccessTokens:
        """OAuth2 client-credentials access tokens for enterprise systems."""
        from sealpost.services.access import AccessTokens

        return AccessTokens(self.settings.secret_key.get_secret_value(), self.clock)

    @cached_property
    def relay(self) -> Relay:
        """The enterprise relay: forwards sealed batches to ingest, keeps masked views only."""
        from sealpost.services.relay import Relay

        return Relay(self.ingestor, self.relay_store, self.clock)

    @cached_property
    def ingestor(self) -> Ingestor:
        """The ingest pipeline (verify, unseal, validate, encrypt, sign per batch, store)."""
        from sealpost.services.ingest import Ingestor, tune_gc_for_batches

        kit = self.crypto
        if self.settings.env != "test":  # tests build many containers: leave their collector alone
            tune_gc_for_batches()
        return Ingestor(
            store=self.records,
            refs=self.identity_refs,
            customers=self.agreement_customers,
            terminals=self.terminals,
            open_session_record=kit.open_session_record,
            verify_terminal_signature=kit.suite.verify,
            fields=kit.fields,
            blind=kit.blind,
            signer=kit,
            signature_alg="Ed25519" if kit.suite.name == "intl" else "SM2",
            events=self.events,
            clock=self.clock,
            rules=self.record_rules,
            deadline_s=self.settings.receipt_deadline_s,
            hash_alg="sha256" if kit.suite.name == "intl" else "sm3",
        )

    # ---------------------------------------------------------------- senders (enrollment, identity QR)
    @cached_property
    def senders(self) -> SqlSenderRepository:
        from sealpost.adapters.db.senders_repo import SqlSenderRepository

        return SqlSenderRepository(self.engine)

    @cached_property
    def sender_replay(self) -> ReplayCache:
        """One-time use of identity QR codes and device-signed requests (shared by every worker):
        the database by default, Redis when ``SEALPOST_REDIS_URL`` is set."""
        if self.settings.redis_url:
            from sealpost.adapters.replay_redis import RedisReplayCache

            return RedisReplayCache.from_url(self.settings.redis_url, self.clock)
        from sealpost.adapters.db.senders_repo import SqlReplayCache

        return SqlReplayCache(self.engine, self.clock)

    @cached_property
    def device_signatures(self) -> P256DeviceSignatures:
        from sealpost.adapters.device_keys import P256DeviceSignatures

        return P256DeviceSignatures()

    @cached_property
    def identity_verifiers(self) -> list[IdentityVerifier]:
        """The built-in verifier, then the external service when ``SEALPOST_IDENTITY_VERIFIER_URL`` is set."""
        from sealpost.adapters.identity_verifier import BuiltinVerifier, HttpIdentityVerifier

        verifiers: list[IdentityVerifier] = [BuiltinVerifier()]
        if self.settings.identity_verifier_url:
            token = self.settings.identity_verifier_token
            verifiers.append(
                HttpIdentityVerifier(
                    self.settings.identity_verifier_url,
                    token.get_secret_value() if token else "",
                    timeout_s=self.settings.identity_verifier_timeout_s,
                )
            )
        return verifiers

    @cached_property
    def enrollment(self) -> SenderEnrollment:
        """Sender enrollment (ID card photo via OCR, or typed fields) and the sender's devices."""
        from sealpost.adapters.ocr.rapid import RapidTextRecognizer
        from sealpost.services.enroll import SenderEnrollment

        recognizer = self.extras.get("recognizer") or RapidTextRecognizer()
        return SenderEnrollment(
            senders=self.senders,
            fields=self.crypto.fields,
            blind=self.crypto.blind,
            devices=self.device_signatures,
            verifiers=self.identity_verifiers,
            clock=self.clock,
            recognizer=recognizer,
        )

    @cached_property
    def sender_identifier(self) -> SenderIdentifier:
        """Identity QR verification for couriers (``POST /v1/pickups/identify``)."""
        from sealpost.services.identify_sender import SenderIdentifier

        return SenderIdentifier(
            senders=self.senders,
            devices=self.device_signatures,
            replay=self.sender_replay,
            unsealer=self.crypto,
            fields=self.crypto.fields,
            refs=self.identity_refs,
            clock=self.clock,
            ledger=self.identify_ledger,
            prepare_ref=self.identity_refs.prepare,
        )

    @cached_property
    def identify_ledger(self) -> SqlIdentifyLedger | None:
        """The identity QR's one transaction per code (group commit) on the SQL replay table; None
        with the Redis replay cache (claim in Redis, then the reference)."""
        if self.settings.redis_url:
            return None
        from sealpost.adapters.db.identify_ledger import SqlIdentifyLedger

        return SqlIdentifyLedger(self.engine, self.clock)

    @cached_property
    def device_auth(self) -> DeviceRequestAuthenticator:
        from sealpost.services.device_auth import DeviceRequestAuthenticator

        return DeviceRequestAuthenticator(
            self.senders, self.device_signatures, self.sender_replay, self.clock
        )

    def warm_up(self) -> None:
        """Build the hot paths' components now (keys, rules, the items checker, the ingest and
        identify pipelines) instead of on a worker's first request, which would pay for it."""
        _ = (
            self.crypto.sealing_public_key(),
            self.terminal_tokens,
            self.access_tokens,
            self.ingestor,
            self.relay,
            self.pickup_desk,
            self.sender_identifier,
            self.device_auth,
        )

    def close(self) -> None:
        ledger = self.__dict__.get("identify_ledger")
        if ledger is not None:
            ledger.close()
        records = self.__dict__.get("records")
        if records is not None:
            records.close()
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
