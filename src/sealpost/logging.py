"""Structured logging (structlog) with a redaction processor that masks personal data.

Every log event passes through :func:`redact_personal_data` before it is rendered: ID numbers
(18- and 15-digit), mainland mobile numbers (with +86/0086, spaces or dashes) and names are masked
wherever they appear, in the message and in every value, nested or not. Names are recognised by
the key they sit under (``name``, ``sender_name``, ``recipient``…) and after a ``姓名`` label in
free text. JSON lines in production, readable lines in development.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from sealpost.domain.masking import mask_id_number, mask_name, mask_phone

# 18-digit IDs (last may be X) and 15-digit first-generation IDs, not inside a longer digit run.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mainland mobiles: optional +86/0086 and separators between digit groups.
_PHONE_RE = re.compile(r"(?<!\d)(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
# "姓名：张三" / "name=张三" in free text.
_NAME_LABEL_RE = re.compile(
    r"(姓名|收件人|寄件人|name)(\s*[:：=]\s*)([\u4e00-\u9fff·]{1,12}|[A-Za-z][A-Za-z .'-]{0,40})"
)

#: Keys whose values are personal names.
NAME_KEYS = frozenset(
    {
        "name",
        "full_name",
        "sender",
        "sender_name",
        "recipient",
        "recipient_name",
        "person",
        "holder",
        "holder_name",
        "courier_name",
        "contact_name",
    }
)


def _mask_text(text: str) -> str:
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    return _NAME_LABEL_RE.sub(lambda m: m.group(1) + m.group(2) + mask_name(m.group(3)), text)


def _redact(value: Any, key: str | None = None) -> Any:
    if isinstance(value, str):
        if key is not None and key.lower() in NAME_KEYS:
            return mask_name(value)
        return _mask_text(value)
    if isinstance(value, Mapping):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(v, key) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**10:
        return _mask_text(str(value))
    if isinstance(value, BaseException):
        return _mask_text(f"{type(value).__name__}: {value}")
    return value


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask ID numbers, phones and names everywhere in the event."""
    for key in list(event_dict):
        event_dict[key] = _redact(event_dict[key], None if key == "event" else key)
    return event_dict


def _redact_exception_text(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # Runs after format_exc_info: tracebacks can quote values, so mask them too.
    if isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = _mask_text(event_dict["exception"])
    return event_dict


def _drop_color_message(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # uvicorn adds an ANSI-coloured copy of its message as an extra; it only adds noise.
    event_dict.pop("color_message", None)
    return event_dict


def configure_logging(*, level: str = "info", json_logs: bool = False, stream: Any = None) -> None:
    """Set structlog and the standard library's loggers up once per process.

    structlog events and foreign (uvicorn, alembic, …) records meet in one handler, and both pass
    the redaction processor before anything is rendered.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            redact_personal_data,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message, redact_personal_data],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_exception_text,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Readiness checks ask Alembic for the schema head on every probe: keep its chatter out.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per client request is noise


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
