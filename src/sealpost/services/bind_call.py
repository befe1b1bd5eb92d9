"""Use case: a courier taps "call" on a delivery — bind a virtual number (AXB or AXN-extension).

The courier's and the recipient's real numbers never reach storage in clear: each becomes a keyed
blind index (what allocation and routing compare) and a sealed blob bound to the binding id (what
the switch is finally told). The recipient's number comes from the platform's sealed records
(:class:`~sealpost.ports.calls.RecipientPhones`); the courier never sees it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sealpost.domain.calls import (
    DEFAULT_MAX_PAIRS_PER_X,
    Binding,
    BindingNotFoundError,
    CallsError,
    ExpiryPolicy,
    Model,
    normalize_city,
    normalize_number,
)
from sealpost.errors import ForbiddenError, NotFoundError
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.calls import (
    FIELD_PHONE_A,
    FIELD_PHONE_B,
    PHONE_KIND,
    CallsRepository,
    CourierPhones,
    FieldSealer,
    NewBinding,
    RecipientPhones,
)
from sealpost.ports.clock import Clock

log = get_logger(__name__)

_WAYBILL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,39}")


@dataclass(frozen=True, slots=True)
class CallsPolicy:
    """Deployment choices for bindings (``SEALPOST_CALLS_*`` settings fill it)."""

    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)
    max_pairs_per_x: int = DEFAULT_MAX_PAIRS_PER_X


@dataclass(frozen=True, slots=True)
class BindRequest:
    waybill_no: str
    courier_phone: str
    model: Model
    city: str
    expires_at: datetime | None = None
    delivered_at: datetime | None = None
    company: str | None = None  # the courier's company: only its own waybills can be bound
    courier_id: str | None = None  # the authenticated courier, checked against the registry


@dataclass(frozen=True, slots=True)
class BindResult:
    """What the courier's terminal gets: the number to dial, never the recipient's number."""

    binding_id: str
    model: Model
    x: str
    extension: str | None
    expires_at: datetime
    waybill_no: str
    created: bool  # False when an identical live binding was returned again

    @property
    def dial(self) -> str:
        """How a person dials it: ``X`` or ``X-EEEE`` (主号-分机号)."""
        return self.x if self.extension is None else f"{self.x}-{self.extension}"


def check_waybill_no(raw: str) -> str:
    s = raw.strip()
    if not _WAYBILL_RE.fullmatch(s):
        raise CallsError(
            "bad_waybill_no",
            Text("运单号格式不正确", "not a valid waybill number"),
            status=422,
        )
    return s


def _result(binding: Binding[bytes], created: bool) -> BindResult:
    return BindResult(
        binding_id=binding.id,
        model=binding.model,
        x=binding.x,
        extension=binding.extension,
        expires_at=binding.expires_at,
        waybill_no=binding.waybill_no,
        created=created,
    )


def bind_call(
    request: BindRequest,
    *,
    repo: CallsRepository,
    sealer: FieldSealer,
    recipients: RecipientPhones,
    clock: Clock,
    policy: CallsPolicy | None = None,
    couriers: CourierPhones | None = None,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    draw_extension: Callable[[], int] = lambda: secrets.randbelow(10_000),
) -> BindResult:
    """Bind the courier and the waybill's recipient through a pool number of ``request.city``.

    Asking again for the same waybill, courier and model while the binding is live returns the
    same binding (a courier tapping "call" twice does not use up a second number). With
    ``couriers``, a registered courier can bind only their own registered number as A.
    """
    policy = policy or CallsPolicy()
    if request.model not in ("axb", "axn"):
        raise CallsError(
            "bad_model", Text("号码模式只能是 axb 或 axn", "model must be axb or axn"), status=422
        )
    waybill_no = check_waybill_no(request.waybill_no)
    courier = normalize_number(request.courier_phone)
    city = normalize_city(request.city)
    now = clock.now()
    expires_at = policy.expiry.resolve(now, requested=request.expires_at, delivered_at=request.delivered_at)

    raw_recipient = recipients.recipient_phone(waybill_no, request.company)
    if raw_recipient is None:
        raise NotFoundError(
            "waybill_not_found",
            Text("找不到该运单的收件人信息", "no recipient is on record for this waybill"),
        )
    try:
        recipient = normalize_number(raw_recipient)
    except CallsError as exc:
        raise CallsError(
            "recipient_number_unusable",
            Text("收件人登记的号码无法用于隐私号通话", "the recipient's number on record cannot be bound"),
            status=422,
        ) from exc
    if courier == recipient:
        raise CallsError(
            "same_party", Text("主叫和被叫不能是同一个号码", "A and B must be different numbers"), status=422
        )

    a_idx = sealer.blind_index(PHONE_KIND, courier)
    if couriers is not None and request.courier_id is not None:
        registered = couriers.phone_index(request.courier_id)
        if registered is not None and registered != a_idx:
            raise ForbiddenError(
                "courier_phone_mismatch",
                Text(
                    "只能用本人登记的手机号拨打", "calls can be bound only to the courier's registered number"
                ),
            )
    b_idx = sealer.blind_index(PHONE_KIND, recipient)
    existing = repo.find_live(waybill_no=waybill_no, a_idx=a_idx, b_idx=b_idx, model=request.model, now=now)
    if existing is not None:
        return _result(existing, created=False)

    binding_id = new_id()
    new = NewBinding(
        id=binding_id,
        model=request.model,
        city=city,
        waybill_no=waybill_no,
        a_idx=a_idx,
        b_idx=b_idx,
        a_sealed=sealer.seal(courier, record_id=binding_id, field=FIELD_PHONE_A, at=now),
        b_sealed=sealer.seal(recipient, record_id=binding_id, field=FIELD_PHONE_B, at=now),
        created_at=now,
        expires_at=expires_at,
        ext_start=draw_extension(),
        company=request.company,
    )
    binding = repo.bind(new, max_pairs_per_x=policy.max_pairs_per_x)
    log.info("call_bound", binding_id=binding.id, model=binding.model, city=city, x=binding.x)
    return _result(binding, created=True)


def unbind_call(
    binding_id: str, *, repo: CallsRepository, clock: Clock, company: str | None = None
) -> Binding[bytes]:
    """Release a binding now (idempotent); its sealed numbers are deleted with its route entries.

    With ``company``, only that company's bindings can be released (others look absent).
    """
    if company is not None:
        current = repo.get(binding_id)
        if current is None or current.company != company:
            raise BindingNotFoundError(binding_id)
    binding = repo.unbind(binding_id, clock.now())
    log.info("call_unbound", binding_id=binding.id, reason=binding.release_reason)
    return binding
