"""Use case: the telephone switch asks where a call to a virtual number goes.

One indexed query (the caller's route entry on X, or the entries of X's extension) and, when the
answer is "connect", one decryption of the callee's number. Nothing else is looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sealpost.domain.calls import CallsError, Connect, RejectReason, decide_route, normalize_number
from sealpost.logging import get_logger
from sealpost.ports.calls import PHONE_KIND, CallsRepository, FieldSealer, SealedCallee
from sealpost.ports.clock import Clock

log = get_logger(__name__)

#: The blind index of a caller whose number cannot be a party (withheld, malformed): matches nothing.
NO_PARTY = b""


@dataclass(frozen=True, slots=True)
class RouteAnswer:
    action: Literal["connect", "reject"]
    callee: str | None = None
    binding_id: str | None = None
    reason: RejectReason | None = None

    def as_json(self) -> dict[str, str]:
        if self.action == "connect":
            assert self.callee is not None and self.binding_id is not None
            return {"action": "connect", "callee": self.callee, "binding_id": self.binding_id}
        assert self.reason is not None
        return {"action": "reject", "reason": self.reason}


def caller_index(sealer: FieldSealer, caller: str) -> bytes:
    try:
        return sealer.blind_index(PHONE_KIND, normalize_number(caller))
    except CallsError:
        return NO_PARTY


def route_call(
    caller: str, x: str, ext: str | None, *, repo: CallsRepository, sealer: FieldSealer, clock: Clock
) -> RouteAnswer:
    """Connect ``caller`` dialling ``x`` (then ``ext``) to the bound peer, or say why not."""
    try:
        number = normalize_number(x)
    except CallsError:
        return RouteAnswer("reject", reason="unknown_number")
    ext = ext.strip() if ext is not None and ext.strip() else None
    key = caller_index(sealer, caller)
    model, entries = repo.route_entries(number, ext, key)
    decision = decide_route(x_model=model, caller=key, ext=ext, entries=entries, now=clock.now())
    if not isinstance(decision, Connect):
        return RouteAnswer("reject", reason=decision.reason)
    sealed: SealedCallee = decision.callee
    try:
        callee = sealer.unseal(sealed.blob, record_id=decision.binding_id, field=sealed.field)
    except Exception as exc:  # a destroyed day key or a damaged row: refuse the call, keep the switch up
        log.error("route_unseal_failed", binding_id=decision.binding_id, error_type=type(exc).__name__)
        return RouteAnswer("reject", reason="no_binding")
    return RouteAnswer("connect", callee=callee, binding_id=decision.binding_id)
