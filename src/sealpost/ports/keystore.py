"""Key store ports: the platform's long-term keys and the per-day data keys.

:class:`KeyStore` is what the file keyring (:mod:`sealpost.adapters.crypto.keyring`) implements and
what an HSM (PKCS#11) or HashiCorp Vault transit adapter would implement instead; the operations
are chosen so that private keys never have to leave such a device (see ``docs/keys.md``):

================================  ==========================================================
KeyStore operation                HSM (PKCS#11) / Vault transit equivalent
================================  ==========================================================
``wrap(key, context)``            ``C_WrapKey`` (AES-GCM) / ``POST transit/encrypt/<kek>``
                                  with ``plaintext=b64(key)``, ``context=b64(context)``
``unwrap(blob, context)``         ``C_UnwrapKey`` / ``POST transit/decrypt/<kek>``
``sign(message)``                 ``C_Sign`` (CKM_EDDSA / SM2) / ``POST transit/sign/<key>``
``agree(kid, peer_public)``       ``C_DeriveKey`` (CKM_ECDH1_DERIVE); Vault has no ECDH: keep
                                  the sealing private key wrapped by the transit KEK instead
``rotate_kek()``                  new key version / ``POST transit/keys/<kek>/rotate`` then
                                  ``transit/rewrap`` of every data key
================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sealpost.ports.crypto import Signature


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """What ``sealpost keys show`` prints about a key: never private material."""

    kid: str
    purpose: str  # "signing" | "sealing" | "blind_index" | "kek"
    algorithm: str
    public: bytes | None
    created_at: datetime
    retired_at: datetime | None


class KeyWrapper(Protocol):
    """Wraps data keys under the key-encryption key (KEK)."""

    @property
    def kek_kid(self) -> str: ...

    def wrap(self, key: bytes, context: bytes) -> bytes:
        """Encrypt ``key`` under the active KEK; ``context`` is bound as AAD and needed to unwrap."""
        ...

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        """Decrypt a blob made by :meth:`wrap` under any KEK the store still holds."""
        ...

    def rewrap(self, blob: bytes, context: bytes) -> bytes:
        """Unwrap under whichever KEK made ``blob`` and wrap again under the active KEK."""
        ...


class KeyStore(KeyWrapper, Protocol):
    """The platform's long-term keys. Private keys stay inside the store."""

    @property
    def suite_name(self) -> str: ...

    @property
    def signing_kid(self) -> str: ...

    @property
    def sealing_kid(self) -> str: ...

    def sign(self, message: bytes) -> Signature: ...

    def public_signing_keys(self) -> dict[str, bytes]:
        """Every signing public key ever used, retired ones included: {kid: public key}."""
        ...

    def public_sealing_keys(self) -> dict[str, bytes]: ...

    def agree(self, sealing_kid: str, peer_public: bytes) -> bytes:
        """Key agreement (X25519 / SM2 ECDH) with the sealing private key ``sealing_kid``."""
        ...

    def blind_index_key(self) -> tuple[str, bytes]:
        """The blind-index HMAC key and its kid."""
        ...

    def describe(self) -> list[PublicKeyInfo]: ...

    def reload(self) -> bool:
        """Pick up keys changed by another process (a rotation); True when something changed."""
        ...

    def rotate_kek(self, rewrap_data_keys: Callable[[KeyWrapper], int] | None = None) -> str:
        """New KEK; re-wraps private keys and, through the callback, every data key. Returns the new kid."""
        ...

    def rotate_signing_key(self) -> str: ...

    def rotate_sealing_key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class WrappedDataKey:
    """A row of ``data_keys``: one per UTC day. ``wrapped`` is None once the day was destroyed."""

    day: date
    suite: str
    kek_kid: str | None
    wrapped: bytes | None
    created_at: datetime
    destroyed_at: datetime | None

    @property
    def destroyed(self) -> bool:
        return self.wrapped is None


class DataKeyRepository(Protocol):
    """Storage of wrapped per-day data keys (the ``data_keys`` table)."""

    def get(self, day: date) -> WrappedDataKey | None: ...

    def insert_if_absent(
        self, day: date, *, suite: str, kek_kid: str, wrapped: bytes, created_at: datetime
    ) -> WrappedDataKey:
        """Insert the day's key unless one (or a tombstone) exists; return whichever row won."""
        ...

    def destroy(self, day: date, at: datetime) -> bool:
        """Drop the wrapped key, leaving a tombstone; True when a live key was destroyed."""
        ...

    def list(self) -> list[WrappedDataKey]: ...

    def rewrap_all(self, rewrap: Callable[[WrappedDataKey], tuple[str, bytes]]) -> int:
        """Replace every live wrapped key with ``rewrap(row) -> (kek_kid, blob)`` in one transaction."""
        ...
