"""Use case: the switch reports a finished call; call records are kept for the retention period.

A record says who (blind indexes of caller and callee, the binding id), through which number,
when, for how long and how it ended. No number in clear, no content, no recording.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sealpost.domain.calls import CallsError, RejectReason, is_extension, normalize_number, require_aware
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.calls import (
    CALL_OUTCOMES,
    CallOutcome,
    CallRecord,
    CallsRepository,
    FieldSealer,
    PurgeCounts,
)
from sealpost.ports.clock import Clock
from sealpost.services.route_call import caller_index

log = get_logger(__name__)

#: How long an expired binding keeps answering ``expired`` before it is swept (its sealed numbers deleted).
DEFAULT_EXPIRED_GRACE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CallReport:
    call_id: str
    caller: str
    x: str
    started_at: datetime
    ended_at: datetime
    outcome: CallOutcome
    ext: str | None = None
    binding_id: str | None = None
    answered_at: datetime | None = None
    reject_reason: RejectReason | None = None


def _bad(code: str, zh: str, en: str) -> CallsError:
    return CallsError(code, Text(zh, en), status=422)


def record_call(
    report: CallReport,
    *,
    repo: CallsRepository,
    sealer: FieldSealer,
    clock: Clock,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> tuple[CallRecord, bool]:
    """Store the report; returns the record and whether it was new (a repeated ``call_id`` is not)."""
    call_id = report.call_id.strip()
    if not call_id or len(call_id) > 128:
        raise _bad("bad_call_id", "通话编号不能为空且不超过 128 个字符", "call_id must be 1-128 characters")
    if report.outcome not in CALL_OUTCOMES:
        raise _bad("bad_outcome", "通话结果不正确", "unknown call outcome")
    started = require_aware(report.started_at, "started_at")
    ended = require_aware(report.ended_at, "ended_at")
    answered = None if report.answered_at is None else require_aware(report.answered_at, "answered_at")
    if ended < started or (answered is not None and not started <= answered <= ended):
        raise _bad("bad_call_times", "通话时间顺序不正确", "call times out of order")
    if report.ext is not None and not is_extension(report.ext):
        raise _bad("bad_extension", "分机号应为 4 位数字", "extension must be 4 digits")
    try:
        x = normalize_number(report.x)
    except CallsError as exc:
        raise _bad("bad_number", "虚拟号码格式不正确", "not a valid virtual number") from exc

    caller_idx = caller_index(sealer, report.caller)
    binding_id = report.binding_id
    if binding_id is None:
        _, entries = repo.route_entries(x, report.ext, caller_idx)
        mine = [e for e in entries if e.caller == caller_idx]
        binding_id = mine[0].binding_id if mine else None
    callee_idx = None
    if binding_id is not None:
        binding = repo.get(binding_id)
        if binding is None or binding.x != x:
            binding_id = None
        else:
            callee_idx = binding.peer_of(caller_idx)

    duration = 0 if answered is None else round((ended - answered).total_seconds())
    record = CallRecord(
        id=new_id(),
        call_id=call_id,
        x=x,
        extension=report.ext,
        caller_idx=caller_idx,
        callee_idx=callee_idx,
        binding_id=binding_id,
        started_at=started,
        answered_at=answered,
        ended_at=ended,
        duration_s=duration,
        outcome=report.outcome,
        reject_reason=report.reject_reason if report.outcome == "rejected" else None,
        received_at=clock.now(),
    )
    created = repo.add_call_record(record)
    return record, created


def purge_call_data(
    *,
    repo: CallsRepository,
    clock: Clock,
    retention_days: int,
    expired_grace: timedelta = DEFAULT_EXPIRED_GRACE,
) -> PurgeCounts:
    """Sweep expired bindings (deleting their sealed numbers) and drop data older than retention."""
    now = clock.now()
    released = repo.sweep_expired(now - expired_grace)
    cut = now - timedelta(days=retention_days)
    bindings, records = repo.purge(records_before=cut, bindings_released_before=cut)
    counts = PurgeCounts(released_expired=released, bindings_deleted=bindings, records_deleted=records)
    log.info("calls_purged", released=released, bindings=bindings, records=records)
    return counts
