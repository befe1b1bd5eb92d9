"""The one error type the services raise for bad input or refused actions.

Every error carries a stable machine-readable ``code`` (snake_case), a bilingual message, and
the HTTP status an API should answer with. The API turns it into RFC 9457 problem+json; the CLI
prints the message and exits non-zero. Never put personal data in a message.
"""

from __future__ import annotations

from typing import Any

from sealpost.i18n import Text


class SealpostError(Exception):
    """A refusal or a bad input, described for people and for machines."""

    status: int = 400

    def __init__(
        self,
        code: str,
        message: Text,
        *,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message.en}")
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.extra = extra or {}


class NotFoundError(SealpostError):
    status = 404


class ConflictError(SealpostError):
    status = 409


class ForbiddenError(SealpostError):
    status = 403


class UnauthorizedError(SealpostError):
    status = 401


# Short names, as the services spell them.
NotFound = NotFoundError
Conflict = ConflictError
Forbidden = ForbiddenError
Unauthorized = UnauthorizedError
