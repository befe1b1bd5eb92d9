"""API authentication for the collection pipeline (see :mod:`sealpost.services.access`).

* ``TerminalDep``: a courier terminal, ``Authorization: Bearer <terminal token>``.
* ``EnterpriseDep``: an enterprise system, ``Authorization: Bearer <access token>`` obtained from
  ``POST /v1/oauth/token`` with its client credentials.
* ``PrincipalDep``: either of them (reads that are allowed to both, scoped by company).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

from sealpost.api.deps import ContainerDep
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.terminals import EnterpriseClient, Terminal

_MISSING = Text("缺少访问令牌（Authorization: Bearer …）", "missing bearer token (Authorization: Bearer …)")
_BAD_TERMINAL = Text("终端令牌无效或终端已停用", "invalid terminal token, or the terminal was revoked")
_BAD_ACCESS = Text("访问令牌无效或已过期", "invalid or expired access token")


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthorized(code: str, message: Text) -> SealpostError:
    return SealpostError(code, message, status=401)


def terminal_principal(request: Request, container: ContainerDep) -> Terminal:
    token = bearer_token(request)
    if token is None:
        raise _unauthorized("not_authenticated", _MISSING)
    terminal = container.terminal_tokens.authenticate(token)
    if terminal is None:
        raise _unauthorized("terminal_token_invalid", _BAD_TERMINAL)
    return terminal


def enterprise_principal(request: Request, container: ContainerDep) -> EnterpriseClient:
    token = bearer_token(request)
    if token is None:
        raise _unauthorized("not_authenticated", _MISSING)
    claims = container.access_tokens.verify(token)
    if claims is None:
        raise _unauthorized("access_token_invalid", _BAD_ACCESS)
    return EnterpriseClient(client_id=claims.client_id, company=claims.company, name="")


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Literal["terminal", "enterprise"]
    id: str
    company: str


def any_principal(request: Request, container: ContainerDep) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise _unauthorized("not_authenticated", _MISSING)
    claims = container.access_tokens.verify(token) if token.startswith("spa1.") else None
    if claims is not None:
        return Principal("enterprise", claims.client_id, claims.company)
    terminal = container.terminal_tokens.authenticate(token)
    if terminal is None:
        raise _unauthorized("access_token_invalid", _BAD_ACCESS)
    return Principal("terminal", terminal.terminal_id, terminal.company)


TerminalDep = Annotated[Terminal, Depends(terminal_principal)]
EnterpriseDep = Annotated[EnterpriseClient, Depends(enterprise_principal)]
PrincipalDep = Annotated[Principal, Depends(any_principal)]
