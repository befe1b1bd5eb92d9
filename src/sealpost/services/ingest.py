"""Ingest on the platform: sealed records in, signed receipts out (design.md, steps 5–6).

For each batch (``docs/protocols/records.md``):

1. **Verify** every terminal session the batch uses: the terminal is registered and active, its
   signature over the session header is valid (once per session per process, then cached), and
   it may submit here (direct mode: the authenticated terminal itself; relay: a terminal of the
   enterprise's company).
2. **Unseal** each record with its session key (one AES-GCM open; the key agreement happened once
   per session) — the record's clear metadata is the AEAD associated data, so it cannot be
   swapped between records or edited by a relay.
3. **Validate** each record (:func:`sealpost.domain.records.validate_record`) and resolve the
   sender's verified identity (one-time identity reference, or agreement customer). A bad record
   is rejected with its own reason code; the rest of the batch goes through.
4. **Idempotency**: a record whose ``record_id`` is already stored is not stored again — its
   original receipt is returned, byte for byte the same.
5. **Protect at rest**: every personal field encrypted under the day's data key (AES-256-GCM, AAD =
   record id + field name), blind indexes for ID number and phones, masked views for the receipt.
6. **Sign** the batch's receipts at once: a Merkle tree (RFC 6962) over the canonical receipts,
   one platform signature over its root, an inclusion proof per receipt. No public-key operation
   per record anywhere on this path.
7. **Store** everything in one transaction (records, batch, redeemed references, late-receipt
   events), then answer. A concurrent duplicate makes the store raise ``StoreConflict``: the
   batch is re-read and retried, so nothing is stored twice.

Receipt latency (collected → received) is kept per record; over the deadline (30 s) it is
``late`` and a regulator event is recorded with it.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
import time
import uuid
from base64 import b64encode
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from typing import Any, Final, Literal, cast

import orjson

from sealpost.domain import events as ev
from sealpost.domain.merkle import MerkleTree, audit_paths, hash_constructor
from sealpost.domain.records import (
    REASONS,
    PersonalFields,
    RecordError,
    RecordMeta,
    RecordRules,
    SenderIdentity,
    batch_signing_message,
    default_sort_code,
    format_time,
    parse_meta,
    parse_personal,
    receipt_body,
    record_aad,
    session_signing_message,
    validate_origin,
    validate_personal,
    validate_record_content,
)
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.agreement_customers import AgreementCustomers
from sealpost.ports.clock import Clock
from sealpost.ports.crypto import BlindIndex, BlindIndexKind, CryptoError, FieldEncryptor, Signer
from sealpost.ports.identity_refs import IdentityRefs, VerifiedSender
from sealpost.ports.records import RecordStore, Redemption, SignedBatch, StoreConflict
from sealpost.ports.terminals import Terminal, TerminalRegistry
from sealpost.services.masked_views import (
    fast_mask_address,
    fast_mask_name,
    fast_mask_phone,
    masked_sender_views,
)

log = get_logger(__name__)

#: Attempts when a concurrent writer took a record id, waybill number or reference meanwhile.
MAX_ATTEMPTS: Final = 5
#: How long a terminal's registration (and so a revocation) is cached by an API process.
TERMINAL_CACHE_S: Final = 30.0

SourceKind = Literal["terminal", "enterprise", "platform"]


def tune_gc_for_batches() -> None:
    """Garbage-collector settings for a process that ingests batches (the API server).

    A batch allocates ~100 short-lived objects per record; with the default thresholds the cycle
    collector runs every 700 allocations and keeps re-walking the ~150k objects loaded at start-up
    (catalogues, conversion tables). Freezing those and making young collections rarer costs a
    little memory and saves ~10-15 % of the CPU per record (``sealpost bench ingest``).
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _plain(value: object) -> str | None:
    """A bilingual text as its Chinese form (what the regulator's event log stores)."""
    if value is None:
        return None
    return value.zh if isinstance(value, Text) else str(value)


def new_label_ref() -> str:
    """80 random bits as 16 base32 characters: the only thing a label's QR code carries."""
    return base64.b32encode(os.urandom(10)).decode("ascii")


#: Byte → base32 character of its low 5 bits (256 is a multiple of 32: uniform characters).
_B32_OF_BYTE: Final = bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b & 31] for b in range(256))


def new_label_refs(n: int) -> list[str]:
    """``n`` label references at once: 16 base32 characters of 5 random bits each (80 bits, the
    same alphabet and entropy as :func:`new_label_ref`), one ``os.urandom`` call and one
    ``bytes.translate`` for the whole batch instead of ``base64.b32encode``."""
    text = os.urandom(16 * n).translate(_B32_OF_BYTE).decode("ascii")
    return [text[i : i + 16] for i in range(0, 16 * n, 16)]


# ----------------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class SessionClaim:
    """A terminal session used by a batch: the header and the terminal's signature over it."""

    terminal_id: str
    header: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class SealedRecord:
    """One record as sent: clear metadata (wire form), the session it was sealed in, the box."""

    meta: Mapping[str, Any]
    session: str
    sealed: bytes


@dataclass(frozen=True, slots=True)
class SealedBatch:
    sessions: Mapping[str, SessionClaim]
    records: Sequence[SealedRecord]


@dataclass(frozen=True, slots=True)
class ClearRecord:
    """A record that never left the platform sealed-less: the bulk upload of agreement customers,
    read on the platform itself. Its metadata goes through the same validation."""

    meta: Mapping[str, Any]
    personal: PersonalFields


@dataclass(frozen=True, slots=True)
class Source:
    """Who submits: a terminal (direct mode), an enterprise client (relay) or the platform."""

    kind: SourceKind
    id: str
    company: str | None = None


# ----------------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    record_id: str | None
    reason: str
    field: str | None = None

    @property
    def message(self) -> Text:
        return REASONS.get(self.reason, REASONS["malformed"])

    def to_json(self, lang: Literal["zh-CN", "en"] = "zh-CN") -> dict[str, Any]:
        return {
            "index": self.index,
            "record_id": self.record_id,
            "reason": self.reason,
            "field": self.field,
            "message": self.message.get(lang),
        }


#: How an answer carries the proofs of the batch's fresh receipts: each receipt with its own audit
#: path and the signature (``full``, self-contained), or the signed tree head once per answer and
#: each receipt's leaf index (``tree``: the client rebuilds the paths from all the receipts).
ProofForm = Literal["full", "tree"]


@dataclass(frozen=True, slots=True)
class SignedTree:
    """The Merkle tree signed over a batch's fresh receipts (nodes base64, leaves first), and each
    fresh receipt's canonical body (its leaf bytes) by record id."""

    root: str
    size: int
    signature: dict[str, str]
    levels: list[list[str]]
    bodies: dict[str, bytes] = field(default_factory=dict)

    def head(self) -> dict[str, Any]:
        """The signed tree head of a ``tree``-form answer."""
        return {"batch_root": self.root, "tree_size": self.size, "signature": self.signature}

    def holds(self, receipt: Mapping[str, Any]) -> bool:
        """Whether ``receipt`` is one of this tree's fresh receipts (held in tree form)."""
        proof = receipt.get("proof")
        return proof is not None and "path" not in proof and proof.get("batch_root") == self.root


@dataclass
class BatchOutcome:
    """Receipts by input position, rejections, and what happened.

    The batch's fresh receipts are held in ``tree`` form (``proof`` = root, index, size; no path,
    no signature; ``tree`` is their signed tree); a retried record's stored receipt is held whole.
    """

    receipts: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    batch_id: str | None = None
    stored: int = 0
    duplicates: int = 0
    late: int = 0
    tree: SignedTree | None = None

    def answer_receipts(self, proofs: ProofForm = "full") -> list[Any]:
        """:meth:`receipt_list` ready for ``orjson.dumps``: in ``tree`` form a fresh receipt is
        its canonical body, already serialised for its leaf hash, with its ``proof`` appended
        (an ``orjson.Fragment``: the same JSON object, not serialised a second time)."""
        receipts = self.receipt_list(proofs)
        tree = self.tree
        if proofs != "tree" or tree is None or not tree.bodies:
            return receipts
        root, size, bodies = tree.root, tree.size, tree.bodies
        head = f',"proof":{{"batch_root":"{root}","index":'.encode()
        tail = f',"tree_size":{size}}}}}'.encode()
        out: list[Any] = []
        for receipt in receipts:
            body = bodies.get(receipt["record_id"])
            if body is not None and tree.holds(receipt):
                index = str(receipt["proof"]["index"]).encode()
                out.append(orjson.Fragment(body[:-1] + head + index + tail))
            else:
                out.append(receipt)
        return out

    def receipt_list(self, proofs: ProofForm = "full") -> list[dict[str, Any]]:
        """The receipts in input order: ``full`` gives every receipt its own audit path and the
        platform signature (the receipt ``GET /v1/receipts/{id}`` returns); ``tree`` leaves fresh
        receipts as they are, for an answer that carries :meth:`SignedTree.head` once."""
        ordered = [r for _, r in sorted(self.receipts, key=lambda p: p[0])]
        tree = self.tree
        if proofs == "tree" or tree is None:
            return ordered
        paths = audit_paths(tree.levels, tree.size)
        root, size, sig = tree.root, tree.size, tree.signature
        out: list[dict[str, Any]] = []
        for receipt in ordered:
            if tree.holds(receipt):
                index = receipt["proof"]["index"]
                receipt = {
                    **receipt,
                    "proof": {"batch_root": root, "path": paths[index], "index": index, "tree_size": size},
                    "signature": sig,
                }
            out.append(receipt)
        return out


# ----------------------------------------------------------------------------------- receipts


def _receipt_body(
    meta: RecordMeta,
    item_name: str,
    sender: tuple[str, str, str],
    recipient: tuple[str, str, str],
    received_at: str,
    label_ref: str,
) -> dict[str, Any]:
    """:func:`~sealpost.domain.records.build_receipt` for the ingest loop, its inputs already in
    final form (the same dict, see ``tests/unit/records/test_records_ingest_fast.py``)."""
    return receipt_body(
        meta,
        item_name=item_name,
        sender=sender,
        recipient=recipient,
        received_at=received_at,
        label_ref=label_ref,
        real_name=True,
        sort_code=meta.sort_code or default_sort_code(meta.origin_county, meta.destination_county),
    )


# ----------------------------------------------------------------------------------- work items


@dataclass(slots=True)
class _Candidate:
    index: int
    meta: RecordMeta
    personal: PersonalFields
    identity: SenderIdentity | None = None
    ref: VerifiedSender | None = None


@dataclass
class _Attempt:
    rejected: list[Rejection] = field(default_factory=list)
    interceptions: list[tuple[RecordMeta, Any]] = field(default_factory=list)
    refusals: list[RecordMeta] = field(default_factory=list)


class Ingestor:
    """The ingest use case. One per process (it caches verified sessions and terminals)."""

    def __init__(
        self,
        *,
        store: RecordStore,
        refs: IdentityRefs,
        customers: AgreementCustomers,
        terminals: TerminalRegistry,
        open_session_record: Callable[[bytes, bytes, bytes], bytes],
        verify_terminal_signature: Callable[[bytes, bytes, bytes], None],
        fields: FieldEncryptor,
        blind: BlindIndex,
        signer: Signer,
        signature_alg: str,
        events: Any,
        clock: Clock,
        rules: RecordRules,
        deadline_s: float = 30.0,
        hash_alg: str = "sha256",
    ) -> None:
        self._store = store
        self._refs = refs
        self._customers = customers
        self._terminals = terminals
        self._open = open_session_record
        self._verify = verify_terminal_signature
        self._fields = fields
        self._blind = blind
        self._signer = signer
        self._alg = signature_alg
        self._events = events
        self._clock = clock
        self._rules = rules
        self._deadline_ms = int(deadline_s * 1000)
        self._hash_alg = hash_alg
        self._lock = threading.Lock()
        self._terminal_cache: dict[str, tuple[float, Terminal | None]] = {}
        self._verified_sessions: dict[tuple[str, bytes, bytes], bool] = {}

    # ------------------------------------------------------------------ entry points
    def ingest(self, batch: SealedBatch, source: Source) -> BatchOutcome:
        """Verify, unseal, validate, protect, sign and store one batch of sealed records."""
        now = self._clock.now()
        outcome = BatchOutcome()
        sessions = self._check_sessions(batch.sessions, source)
        candidates: list[_Candidate] = []
        for index, rec in enumerate(batch.records):
            meta = rec.meta
            raw_id = meta.get("record_id") if meta.__class__ is dict or isinstance(meta, Mapping) else None
            record_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 40 else None
            try:
                candidates.append(self._unseal(index, rec, sessions))
            except RecordError as exc:
                outcome.rejected.append(Rejection(index, record_id, exc.reason, exc.field))
        return self._process(candidates, source, now, outcome)

    def ingest_clear(self, items: Sequence[ClearRecord], source: Source) -> BatchOutcome:
        """The same pipeline for records read on the platform itself (no sealing involved)."""
        now = self._clock.now()
        outcome = BatchOutcome()
        candidates: list[_Candidate] = []
        for index, item in enumerate(items):
            try:
                candidates.append(_Candidate(index, parse_meta(item.meta), item.personal))
            except RecordError as exc:
                rid = item.meta.get("record_id")
                outcome.rejected.append(
                    Rejection(index, rid if isinstance(rid, str) else None, exc.reason, exc.field)
                )
        return self._process(candidates, source, now, outcome)

    # ------------------------------------------------------------------ sessions & unsealing
    def terminal(self, terminal_id: str) -> Terminal | None:
        """The terminal's registration, cached for :data:`TERMINAL_CACHE_S`."""
        now = time.monotonic()
        cached = self._terminal_cache.get(terminal_id)
        if cached is not None and now - cached[0] < TERMINAL_CACHE_S:
            return cached[1]
        found = self._terminals.get(terminal_id)
        with self._lock:
            if len(self._terminal_cache) > 100_000:
                self._terminal_cache.clear()
            self._terminal_cache[terminal_id] = (now, found)
        return found

    def _check_sessions(
        self, claims: Mapping[str, SessionClaim], source: Source
    ) -> dict[str, tuple[Terminal, bytes] | str]:
        out: dict[str, tuple[Terminal, bytes] | str] = {}
        for label, claim in claims.items():
            terminal = self.terminal(claim.terminal_id)
            if terminal is None or not terminal.active:
                out[label] = "unknown_session"
                continue
            if source.kind == "terminal" and terminal.terminal_id != source.id:
                out[label] = "terminal_mismatch"
                continue
            if source.kind == "enterprise" and terminal.company != source.company:
                out[label] = "terminal_mismatch"
                continue
            key = (terminal.terminal_id, claim.header, claim.signature)
            if key not in self._verified_sessions:
                try:
                    self._verify(
                        terminal.public_key,
                        session_signing_message(terminal.terminal_id, claim.header),
                        claim.signature,
                    )
                except CryptoError:
                    out[label] = "session_signature_invalid"
                    continue
                with self._lock:
                    if len(self._verified_sessions) > 100_000:
                        self._verified_sessions.clear()
                    self._verified_sessions[key] = True
            out[label] = (terminal, claim.header)
        return out

    def open_blob(self, terminal: Terminal, body: Mapping[str, Any], aad: bytes) -> bytes:
        """Open a blob a terminal sealed in one of its sessions (``{"session": claim, "sealed": b64}``):
        the session is verified like a batch's (this terminal, valid signature), then AES-GCM."""
        from sealpost.errors import SealpostError

        raw = body.get("session")
        try:
            if not isinstance(raw, Mapping):
                raise ValueError("session")
            claim = SessionClaim(
                str(raw.get("terminal_id", ""))[:64],
                _b64(raw.get("header"), "header"),
                _b64(raw.get("signature"), "signature"),
            )
            sealed = _b64(body.get("sealed"), "sealed")
        except ValueError:
            raise SealpostError(
                "session_malformed", Text("会话或密封数据格式错误", "malformed session or sealed data")
            ) from None
        checked = self._check_sessions({"s": claim}, Source("terminal", terminal.terminal_id))["s"]
        if isinstance(checked, str):
            raise SealpostError(checked, REASONS[checked], status=401)
        try:
            return self._open(checked[1], sealed, aad)
        except CryptoError:
            raise SealpostError("unseal_failed", REASONS["unseal_failed"]) from None

    def _unseal(
        self, index: int, rec: SealedRecord, sessions: Mapping[str, tuple[Terminal, bytes] | str]
    ) -> _Candidate:
        session = sessions.get(rec.session)
        if session is None:
            raise RecordError("unknown_session", "session")
        if isinstance(session, str):
            raise RecordError(session, "session")
        terminal, header = session
        meta = parse_meta(rec.meta)
        if (
            meta.terminal_id != terminal.terminal_id
            or meta.company != terminal.company
            or meta.courier_id != terminal.courier_id
            or meta.outlet != terminal.outlet
        ):
            raise RecordError("terminal_mismatch", "terminal_id")
        try:
            plain = self._open(header, rec.sealed, record_aad(rec.meta))
        except CryptoError:
            raise RecordError("unseal_failed", "sealed") from None
        try:
            personal = parse_personal(orjson.loads(plain))
        except orjson.JSONDecodeError:
            raise RecordError("malformed", "sealed") from None
        return _Candidate(index, meta, personal)

    # ------------------------------------------------------------------ the pipeline
    def _process(
        self, candidates: list[_Candidate], source: Source, now: datetime, outcome: BatchOutcome
    ) -> BatchOutcome:
        # The same record twice in one batch: store it once, answer both with its receipt.
        first: dict[str, _Candidate] = {}
        aliases: list[tuple[int, str]] = []
        for c in candidates:
            if c.meta.record_id in first:
                aliases.append((c.index, c.meta.record_id))
            else:
                first[c.meta.record_id] = c
        unique = list(first.values())
        attempt = _Attempt()
        by_id: dict[str, dict[str, Any]] = {}
        for n in range(MAX_ATTEMPTS):
            attempt = _Attempt()
            # The first attempt is optimistic: a batch of new records (the normal case) skips the
            # look-ups of stored record ids and waybill numbers, because the store's unique keys
            # refuse a duplicate anyway (StoreConflict, nothing written). Later attempts look first.
            optimistic = n == 0
            existing = {} if optimistic else self._store.find_receipts(list(first))
            for c in unique:  # a known id under another company is not a retry: never leak its receipt
                found = existing.get(c.meta.record_id)
                if found is not None and found.get("company") != c.meta.company:
                    del existing[c.meta.record_id]
                    attempt.rejected.append(
                        Rejection(c.index, c.meta.record_id, "record_id_invalid", "record_id")
                    )
            known = {r.record_id for r in attempt.rejected}
            fresh = [c for c in unique if c.meta.record_id not in existing and c.meta.record_id not in known]
            accepted = self._validate(fresh, source, now, attempt, check_store=not optimistic)
            if optimistic and attempt.rejected:
                # A refusal may stem from the record being stored already (a retry: its identity
                # reference is redeemed), which only the careful attempt tells apart.
                continue
            by_id = dict(existing)
            outcome.duplicates = len(existing)
            if not accepted:
                outcome.batch_id = None
                outcome.stored = 0
                break
            try:
                receipts, batch_id, late, tree = self._protect_sign_store(accepted, source, now)
            except StoreConflict:
                if not optimistic:  # an optimistic first try meeting a stored record is routine
                    log.info("ingest_conflict_retry", attempt=n + 1, records=len(accepted))
                continue
            by_id.update(receipts)
            outcome.batch_id = batch_id
            outcome.stored = len(accepted)
            outcome.late = late
            outcome.tree = tree
            break
        else:
            raise StoreConflict("batch kept conflicting with concurrent writers")

        outcome.rejected.extend(attempt.rejected)
        for c in unique:
            receipt = by_id.get(c.meta.record_id)
            if receipt is not None:
                outcome.receipts.append((c.index, receipt))
        for index, record_id in aliases:
            receipt = by_id.get(record_id)
            if receipt is not None:
                outcome.receipts.append((index, receipt))
            else:
                rejection = next(r for r in attempt.rejected if r.record_id == record_id)
                outcome.rejected.append(Rejection(index, record_id, rejection.reason, rejection.field))
        outcome.rejected.sort(key=lambda r: r.index)
        self._record_events(attempt, now)
        return outcome

    def _validate(
        self,
        fresh: list[_Candidate],
        source: Source,
        now: datetime,
        attempt: _Attempt,
        *,
        check_store: bool = True,
    ) -> list[_Candidate]:
        rules = self._rules
        valid: list[_Candidate] = []
        origins_ok: set[tuple[str, str, str, str]] = set()  # = validate_origin passed (pure checks)
        for c in fresh:
            meta = c.meta
            try:
                if source.kind == "enterprise" and meta.company != source.company:
                    raise RecordError("terminal_mismatch", "company")
                origin = (meta.company, meta.outlet, meta.courier_id, meta.terminal_id)
                if origin not in origins_ok:
                    validate_origin(meta, rules)
                    origins_ok.add(origin)
                validate_record_content(meta, rules, now)  # with validate_origin: validate_record
            except RecordError as exc:
                attempt.rejected.append(Rejection(c.index, c.meta.record_id, exc.reason, exc.field))
                if exc.reason == "item_prohibited":
                    attempt.interceptions.append((c.meta, rules.item_verdict(c.meta.item_name.strip())))
                elif exc.reason == "inspection_missing":
                    attempt.refusals.append(c.meta)
                continue
            valid.append(c)
        valid = self._resolve_identities(valid, now, attempt)
        out: list[_Candidate] = []
        taken = (
            self._store.taken_waybills((c.meta.company, c.meta.waybill_no) for c in valid)
            if check_store
            else set()
        )
        for c in valid:
            try:
                validate_personal(c.personal, rules, sender_name_required=False)
                key = (c.meta.company, c.meta.waybill_no)
                if key in taken:
                    raise RecordError("waybill_duplicate", "waybill_no")
                taken.add(key)
            except RecordError as exc:
                attempt.rejected.append(Rejection(c.index, c.meta.record_id, exc.reason, exc.field))
                continue
            out.append(c)
        return out

    def _resolve_identities(
        self, valid: list[_Candidate], now: datetime, attempt: _Attempt
    ) -> list[_Candidate]:
        refs = self._refs.lookup(c.meta.identity_ref for c in valid if c.meta.identity_ref)
        customer_ids = {c.meta.agreement_customer_id for c in valid if c.meta.agreement_customer_id}
        customers = self._customers.get_many(customer_ids) if customer_ids else {}
        used: set[str] = set()
        organisations: dict[str, SenderIdentity] = {}  # one (immutable) identity per customer
        out: list[_Candidate] = []
        for c in valid:
            meta = c.meta
            try:
                if meta.sender_kind == "agreement":
                    customer = customers.get(meta.agreement_customer_id or "")
                    if (
                        customer is None
                        or customer.company != meta.company
                        or not customer.in_force(meta.collected_at.date())
                    ):
                        raise RecordError("agreement_customer_invalid", "agreement_customer_id")
                    identity = organisations.get(customer.org_name)
                    if identity is None:
                        identity = organisations[customer.org_name] = SenderIdentity(
                            name=customer.org_name,
                            document_type="organisation",
                            document_number="",
                            organisation=True,
                        )
                    c.identity = identity
                else:
                    ref = refs.get(meta.identity_ref or "")
                    if (
                        ref is None
                        or ref.source != meta.sender_kind
                        or ref.refusal(meta.courier_id, now) is not None
                        or ref.ref in used
                    ):
                        raise RecordError("identity_ref_invalid", "identity_ref")
                    used.add(ref.ref)
                    c.ref = ref
                    c.identity = self._refs.open_identity(ref)
            except RecordError as exc:
                attempt.rejected.append(Rejection(c.index, meta.record_id, exc.reason, exc.field))
                continue
            except CryptoError:
                attempt.rejected.append(
                    Rejection(c.index, meta.record_id, "identity_ref_invalid", "identity_ref")
                )
                continue
            out.append(c)
        return out

    def _protect_sign_store(
        self, accepted: list[_Candidate], source: Source, now: datetime
    ) -> tuple[dict[str, dict[str, Any]], str, int, SignedTree]:
        """Column by column over the batch: each step is one pass (a comprehension or a ``map``
        over a C function) instead of one Python call per record and step."""
        n = len(accepted)
        batch_id = str(uuid.uuid4())
        received_ms = now.timestamp() * 1000
        alg = self._hash_alg
        metas = [c.meta for c in accepted]
        identities = [c.identity for c in accepted]
        assert None not in identities  # _resolve_identities set every accepted record's
        ids = cast("list[SenderIdentity]", identities)
        senders = [c.personal.sender for c in accepted]
        recipients = [c.personal.recipient for c in accepted]
        rids = [m.record_id for m in metas]
        sender_names = [
            s.name if i.organisation and s.name else i.name for i, s in zip(ids, senders, strict=True)
        ]
        sender_phones = [s.phone for s in senders]
        recipient_phones = [r.phone for r in recipients]
        documents = [i.document_number or None for i in ids]
        item_names = [m.item_name.strip() for m in metas]

        # receipts: masked views, canonical bodies, RFC 6962 leaf hashes
        bodies = list(
            map(
                _receipt_body,
                metas,
                item_names,
                map(masked_sender_views, sender_names, sender_phones, [s.address for s in senders]),
                [
                    (fast_mask_name(r.name), fast_mask_phone(r.phone), fast_mask_address(r.address))
                    for r in recipients
                ],
                repeat(format_time(now), n),
                new_label_refs(n),
            )
        )
        dumps, sort_keys = orjson.dumps, orjson.OPT_SORT_KEYS
        receipts_bytes = [dumps(b, option=sort_keys) for b in bodies]  # = receipt_leaf_bytes(body)
        hasher = hash_constructor(alg)
        leaves = [hasher(b"\x00" + leaf).digest() for leaf in receipts_bytes]

        # protection at rest: every personal field under the day's key, blind indexes
        sealed = self._fields.encrypt_columns(
            rids,
            [
                ("sender_name", sender_names),
                ("sender_phone", sender_phones),
                ("sender_address", [s.address for s in senders]),
                ("recipient_name", [r.name for r in recipients]),
                ("recipient_phone", recipient_phones),
                ("recipient_address", [r.address for r in recipients]),
                ("sender_id_number", documents),
            ],
            now.date(),
        )
        bi = self._blind.index
        phone: BlindIndexKind = "phone"
        latencies = [max(0, int(received_ms - m.collected_at.timestamp() * 1000)) for m in metas]
        deadline = self._deadline_ms
        lates = [ms > deadline for ms in latencies]
        columns: dict[str, Sequence[Any]] = {
            "record_id": rids,
            "company": [m.company for m in metas],
            "outlet": [m.outlet for m in metas],
            "courier_id": [m.courier_id for m in metas],
            "terminal_id": [m.terminal_id for m in metas],
            "enterprise_client_id": [source.id if source.kind == "enterprise" else None] * n,
            "waybill_no": [m.waybill_no for m in metas],
            "origin_county": [m.origin_county for m in metas],
            "destination_county": [m.destination_county for m in metas],
            "item_name": item_names,
            "item_category": [m.item_category for m in metas],
            "quantity": [m.quantity for m in metas],
            "weight_g": [m.weight_g for m in metas],
            "declared_value_fen": [m.declared_value_fen for m in metas],
            "inspected": [m.inspected for m in metas],
            "inspection_photo_sha256": [m.inspection_photo_sha256 for m in metas],
            "sender_kind": [m.sender_kind for m in metas],
            "sender_id": [i.sender_id or None for i in ids],
            "agreement_customer_id": [m.agreement_customer_id for m in metas],
            "sender_document_type": [i.document_type for i in ids],
            "collected_at": [m.collected_at for m in metas],
            "received_at": [now] * n,
            "latency_ms": [min(ms, 2**31 - 1) for ms in latencies],
            "late": lates,
            "batch_id": [batch_id] * n,
            "batch_index": range(n),
            "receipt": receipts_bytes,
            "sender_name_enc": sealed[0],
            "sender_phone_enc": sealed[1],
            "sender_address_enc": sealed[2],
            "recipient_name_enc": sealed[3],
            "recipient_phone_enc": sealed[4],
            "recipient_address_enc": sealed[5],
            "sender_id_number_enc": sealed[6],
            "bi_sender_id_number": [bi("id_number", d) if d else None for d in documents],
            "bi_sender_phone": list(map(bi, repeat(phone, n), sender_phones)),
            "bi_recipient_phone": list(map(bi, repeat(phone, n), recipient_phones)),
        }
        redemptions = [
            Redemption(c.ref.ref, c.meta.courier_id, c.meta.record_id) for c in accepted if c.ref is not None
        ]
        late_events = [
            _record_event(m, ev.LATE_RECEIPT, "receipt_late", now, waybill_no=m.waybill_no, latency_ms=ms)
            for m, ms, late in zip(metas, latencies, lates, strict=True)
            if late
        ]
        tree = MerkleTree(leaves, alg)
        signature = self._signer.sign(batch_signing_message(tree.root, tree.size))
        batch = SignedBatch(
            batch_id=batch_id,
            signed_at=now,
            source_kind=source.kind,
            source_id=source.id,
            root=tree.root,
            tree_size=tree.size,
            kid=signature.kid,
            alg=self._alg,
            signature=signature.value,
            leaf_hashes=b"".join(leaves),
        )
        self._store.save_batch(batch, columns, redemptions=redemptions, events=late_events, now=now)
        # Every node is base64-encoded once; audit paths are read off the encoded levels when an
        # answer asks for them (BatchOutcome.receipt_list).
        levels = [[b64encode(node).decode("ascii") for node in level] for level in tree.levels]
        root_text = levels[-1][0]
        sig = {"kid": signature.kid, "alg": self._alg, "sig": b64encode(signature.value).decode("ascii")}
        size = tree.size
        receipts: dict[str, dict[str, Any]] = {}
        for k, body in enumerate(bodies):
            body["proof"] = {"batch_root": root_text, "index": k, "tree_size": size}
            receipts[body["record_id"]] = body
        tree_bodies = dict(zip(rids, receipts_bytes, strict=True))
        return receipts, batch_id, len(late_events), SignedTree(root_text, size, sig, levels, tree_bodies)

    def _record_events(self, attempt: _Attempt, now: datetime) -> None:
        """Interceptions and inspection refusals found at ingest are the regulator's business too."""
        for meta, verdict in attempt.interceptions:
            self._events.append(
                _record_event(
                    meta,
                    ev.INTERCEPTION,
                    "prohibited_item_at_ingest",
                    now,
                    category=getattr(verdict, "category", None),
                    category_name=_plain(getattr(verdict, "category_name", None)),
                )
            )
        for meta in attempt.refusals:
            self._events.append(
                _record_event(meta, ev.INSPECTION_REFUSED, "inspection_missing_at_ingest", now)
            )


def _record_event(
    meta: RecordMeta, kind: str, reason: str, now: datetime, **detail: Any
) -> ev.RegulatorEvent:
    """A regulator event about one record: where and by whom, never who sent it."""
    return ev.RegulatorEvent(
        kind=kind,
        occurred_at=now,
        company=meta.company,
        outlet=meta.outlet,
        courier_id=meta.courier_id,
        county_code=meta.origin_county,
        reason=reason,
        detail={"record_id": meta.record_id, "terminal_id": meta.terminal_id, **detail},
    )


# ----------------------------------------------------------------------------------- wire format

#: Most records one batch may carry.
MAX_BATCH: Final = 1000


def _b64(value: object, what: str) -> bytes:
    """Strict base64 (``b64decode(validate=True)``) → bytes, ``ValueError(what)`` when not."""
    if not isinstance(value, str):
        raise ValueError(what)
    try:
        # Fast path: what strict mode accepts, validate=True accepts with the same bytes (one C
        # pass instead of a regex pass and a decode); anything else is decided by the reference.
        return binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, TypeError):
        raise ValueError(what) from None


def parse_batch(obj: object, *, max_records: int = MAX_BATCH) -> SealedBatch:
    """The batch JSON of ``docs/protocols/records.md`` → :class:`SealedBatch`.

    Raises :class:`~sealpost.errors.SealpostError` (``batch_malformed``, ``batch_too_large``) when
    the batch as a whole cannot be read; a single bad record is left for ingest to reject alone.
    """
    from sealpost.errors import SealpostError

    def bad(detail: str) -> SealpostError:
        return SealpostError(
            "batch_malformed",
            Text(f"批次格式错误：{detail}", f"malformed batch: {detail}"),
            status=400,
        )

    if not isinstance(obj, Mapping):
        raise bad("not a JSON object")
    if obj.get("version", 1) != 1:
        raise bad("unsupported version")
    raw_sessions = obj.get("sessions")
    raw_records = obj.get("records")
    if not isinstance(raw_sessions, Mapping) or not isinstance(raw_records, list):
        raise bad("sessions must be an object and records a list")
    if len(raw_records) > max_records:
        raise SealpostError(
            "batch_too_large",
            Text(f"每批最多 {max_records} 条记录", f"at most {max_records} records per batch"),
            status=413,
        )
    if len(raw_sessions) > max_records:
        raise bad("too many sessions")
    sessions: dict[str, SessionClaim] = {}
    for label, claim in raw_sessions.items():
        if not isinstance(claim, Mapping) or not isinstance(claim.get("terminal_id"), str):
            raise bad(f"session {str(label)[:40]}")
        try:
            sessions[str(label)] = SessionClaim(
                terminal_id=claim["terminal_id"][:64],
                header=_b64(claim.get("header"), "header"),
                signature=_b64(claim.get("signature"), "signature"),
            )
        except ValueError as exc:
            raise bad(f"session {str(label)[:40]}: {exc}") from None
    records: list[SealedRecord] = []
    for item in raw_records:
        if item.__class__ is dict or isinstance(item, Mapping):  # a dict skips the ABC check
            meta = item.get("meta")
            session = item.get("session")
            try:
                sealed = _b64(item.get("sealed"), "sealed")
            except ValueError:
                sealed = b""
            records.append(
                SealedRecord(
                    meta=meta if meta.__class__ is dict or isinstance(meta, Mapping) else {},
                    session=session if isinstance(session, str) else "",
                    sealed=sealed,
                )
            )
        else:
            records.append(SealedRecord(meta={}, session="", sealed=b""))
    return SealedBatch(sessions=sessions, records=records)
