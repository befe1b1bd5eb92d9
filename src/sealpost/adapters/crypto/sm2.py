"""SM2 (GB/T 32918) through tongsuopy, the Python SDK of the Tongsuo project (an OpenSSL fork).

``cryptography`` has SM3 and SM4 but no SM2, and pure-Python SM2 packages run 60–260 operations
per second (``shared/spec/performance.md``); tongsuopy signs and verifies natively at ~4–5k/s.
It is imported lazily: without it the ``gm`` suite still does SM3 and SM4 (field encryption,
blind indexes, key wrapping) and every SM2 operation raises :class:`UnsupportedSuite` saying so.

Formats used here (see ``docs/protocols/crypto.md``):
- private key: the 32-byte big-endian scalar;
- public key: the 33-byte compressed point (``02``/``03`` || x);
- signature: SM2 with SM3 and the default distinguishing ID ``1234567812345678``, as the fixed
  64 bytes ``r || s`` (each 32-byte big-endian), not DER;
- key agreement: plain (cofactor 1) elliptic-curve Diffie-Hellman on the SM2 curve, the shared
  secret is the 32-byte x coordinate of ``d * P``. tongsuopy refuses ``EVP_PKEY_derive`` on SM2 keys,
  so the scalar multiplication is done with the library's ``EC_POINT_mul`` (constant-time ladder).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from sealpost.ports.crypto import MalformedArtefact, SignatureInvalid, UnsupportedSuite

_INSTALL_HINT = (
    "SM2 needs the native package tongsuopy (pip install tongsuopy==1.0.1); "
    "SM3/SM4 work without it / SM2 需要安装 tongsuopy"
)
SCALAR_SIZE = 32
PUBLIC_SIZE = 33
SIGNATURE_SIZE = 64


class _Lib:
    """The tongsuopy modules, imported once."""

    def __init__(self) -> None:
        try:
            from tongsuopy.backends.tongsuo import backend
            from tongsuopy.crypto import hashes, serialization
            from tongsuopy.crypto.asymciphers import ec
            from tongsuopy.crypto.exceptions import InvalidSignature
        except ImportError as exc:  # pragma: no cover - exercised by a test that hides the module
            raise UnsupportedSuite(_INSTALL_HINT) from exc
        self.backend: Any = backend
        self.ec: Any = ec
        self.hashes: Any = hashes
        self.serialization: Any = serialization
        self.InvalidSignature: type[Exception] = InvalidSignature
        self.curve: Any = ec.SM2()
        self.algorithm: Any = ec.ECDSA(hashes.SM3())


_lib: _Lib | None = None


def lib() -> _Lib:
    global _lib
    if _lib is None:
        _lib = _Lib()
    return _lib


def available() -> bool:
    try:
        lib()
    except UnsupportedSuite:
        return False
    return True


def generate() -> tuple[bytes, bytes]:
    """A new key pair as (32-byte scalar, 33-byte compressed public point)."""
    t = lib()
    key = t.ec.generate_private_key(t.curve)
    scalar: int = key.private_numbers().private_value
    return scalar.to_bytes(SCALAR_SIZE, "big"), _public_bytes(key.public_key())


def public_from_private(private: bytes) -> bytes:
    return _public_bytes(_private_key(private).public_key())


def sign(private: bytes, message: bytes) -> bytes:
    t = lib()
    der: bytes = _private_key(private).sign(message, t.algorithm)
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public: bytes, message: bytes, signature: bytes) -> None:
    t = lib()
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureInvalid("SM2 signature must be 64 bytes (r || s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        _public_key(public).verify(der, message, t.algorithm)
    except t.InvalidSignature:
        raise SignatureInvalid() from None


def ecdh(private: bytes, peer_public: bytes) -> bytes:
    """x coordinate of ``d * P`` (32 bytes) for a long-term private key (its parsed form is cached)."""
    return _ecdh(_private_key(private), peer_public)


def ephemeral_ecdh(peer_public: bytes, ephemeral_private: bytes | None = None) -> tuple[bytes, bytes]:
    """(ephemeral public, shared secret) with a fresh key that is never cached nor returned.

    ``ephemeral_private`` is for test vectors only.
    """
    t = lib()
    if ephemeral_private is None:
        key = t.ec.generate_private_key(t.curve)
    else:
        key = _load_private(ephemeral_private)
    return _public_bytes(key.public_key()), _ecdh(key, peer_public)


def _ecdh(key: Any, peer_public: bytes) -> bytes:
    t = lib()
    backend = t.backend
    lib_, ffi = backend._lib, backend._ffi
    peer = _public_key(peer_public)
    group = lib_.EC_KEY_get0_group(key._ec_key)
    scalar = lib_.EC_KEY_get0_private_key(key._ec_key)
    point = lib_.EC_KEY_get0_public_key(peer._ec_key)
    if group == ffi.NULL or scalar == ffi.NULL or point == ffi.NULL:
        raise UnsupportedSuite("tongsuopy returned no key material")
    out = ffi.gc(lib_.EC_POINT_new(group), lib_.EC_POINT_free)
    with backend._tmp_bn_ctx() as bn_ctx:
        if lib_.EC_POINT_mul(group, out, ffi.NULL, point, scalar, bn_ctx) != 1:
            backend._consume_errors()
            raise MalformedArtefact("SM2 key agreement failed")
        if lib_.EC_POINT_is_at_infinity(group, out) == 1:
            raise MalformedArtefact("SM2 key agreement gave the point at infinity")
        x = lib_.BN_CTX_get(bn_ctx)
        y = lib_.BN_CTX_get(bn_ctx)
        if lib_.EC_POINT_get_affine_coordinates_GFp(group, out, x, y, bn_ctx) != 1:
            backend._consume_errors()
            raise MalformedArtefact("SM2 key agreement failed")
        shared: int = backend._bn_to_int(x)
    return shared.to_bytes(32, "big")


def _public_bytes(public_key: Any) -> bytes:
    t = lib()
    data: bytes = public_key.public_bytes(
        t.serialization.Encoding.X962, t.serialization.PublicFormat.CompressedPoint
    )
    return data


@lru_cache(maxsize=64)
def _private_key(private: bytes) -> Any:
    """Long-term keys only (the platform's, a device's): parsing costs a scalar multiplication."""
    return _load_private(private)


def _load_private(private: bytes) -> Any:
    t = lib()
    if len(private) != SCALAR_SIZE:
        raise MalformedArtefact("SM2 private key must be 32 bytes")
    value = int.from_bytes(private, "big")
    try:
        return t.ec.derive_private_key(value, t.curve)
    except ValueError:
        raise MalformedArtefact("invalid SM2 private key") from None


@lru_cache(maxsize=4096)
def _public_key(public: bytes) -> Any:
    t = lib()
    if len(public) != PUBLIC_SIZE or public[0] not in (2, 3):
        raise MalformedArtefact("SM2 public key must be a 33-byte compressed point")
    try:
        return t.ec.EllipticCurvePublicKey.from_encoded_point(t.curve, public)
    except Exception as exc:  # tongsuopy raises ValueError or its InternalError for bad points
        raise MalformedArtefact("invalid SM2 public key") from exc
