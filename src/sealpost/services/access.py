"""Who may call the collection API: courier terminals (bearer tokens) and enterprise systems
(OAuth2 client credentials → short-lived access tokens).

* **Terminal tokens** are random 256-bit secrets stored as SHA-256 (``terminals.token_hash``);
  :class:`TerminalTokens` caches lookups for a few seconds, so a revoked terminal is refused
  within :data:`TERMINAL_TOKEN_CACHE_S` on every API process without a query per request.
* **Enterprise access tokens** (RFC 6749 §4.4 client credentials): the client posts its id and
  secret to ``POST /v1/oauth/token`` and gets a bearer token valid :data:`ACCESS_TOKEN_TTL_S`.
  The token is self-contained — ``spa1.<payload>.<mac>`` with the payload (client id, company,
  expiry) MAC'd by HMAC-SHA256 under a key derived from ``SEALPOST_SECRET_KEY`` — so checking it
  costs one HMAC, on any API node, without a database round trip. Revoking a client stops new
  tokens at once; tokens already issued expire within the TTL (the relay re-checks the client on
  each batch anyway, see :meth:`AccessTokens.verify`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from typing import Final

import orjson

from sealpost.ports.clock import Clock
from sealpost.ports.terminals import EnterpriseClient, Terminal, TerminalRegistry

ACCESS_TOKEN_TTL_S: Final = 3600
TERMINAL_TOKEN_CACHE_S: Final = 10.0
_PREFIX: Final = "spa1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class AccessClaims:
    client_id: str
    company: str
    expires_at: int


class AccessTokens:
    """Issues and checks enterprise access tokens (HMAC-SHA256, self-contained)."""

    def __init__(self, secret_key: str, clock: Clock, ttl_s: int = ACCESS_TOKEN_TTL_S) -> None:
        self._key = hmac.new(
            secret_key.encode("utf-8"), b"sealpost/v1/oauth-access-token", hashlib.sha256
        ).digest()
        self._clock = clock
        self._ttl = ttl_s

    def issue(self, client: EnterpriseClient) -> tuple[str, int]:
        """(token, lifetime in seconds)."""
        exp = int(self._clock.now().timestamp()) + self._ttl
        payload = _b64url(orjson.dumps({"sub": client.client_id, "com": client.company, "exp": exp}))
        mac = _b64url(hmac.new(self._key, f"{_PREFIX}.{payload}".encode(), hashlib.sha256).digest())
        return f"{_PREFIX}.{payload}.{mac}", self._ttl

    def verify(self, token: str) -> AccessClaims | None:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _PREFIX or len(token) > 1024:
            return None
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _unb64url(parts[2])):
                return None
            data = orjson.loads(_unb64url(parts[1]))
            claims = AccessClaims(str(data["sub"]), str(data["com"]), int(data["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        if claims.expires_at <= self._clock.now().timestamp():
            return None
        return claims


class TerminalTokens:
    """Bearer-token authentication of terminals, with a short positive and negative cache."""

    def __init__(self, registry: TerminalRegistry, cache_s: float = TERMINAL_TOKEN_CACHE_S) -> None:
        self._registry = registry
        self._cache_s = cache_s
        self._cache: dict[bytes, tuple[float, Terminal | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, token: str) -> Terminal | None:
        """The active terminal holding ``token``, else None."""
        if not token or len(token) > 256:
            return None
        key = hashlib.sha256(token.encode("utf-8")).digest()
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._cache_s:
            terminal = cached[1]
        else:
            terminal = self._registry.by_token(token)
            with self._lock:
                if len(self._cache) > 50_000:
                    self._cache.clear()
                self._cache[key] = (now, terminal)
        return terminal if terminal is not None and terminal.active else None
