"""Identity verifiers (:class:`sealpost.ports.identity_verifier.IdentityVerifier`).

- :class:`BuiltinVerifier` — format, check digit, region and birth date, expiry, name, OCR consistency;
- :class:`HttpIdentityVerifier` — an external verification service (national identity check / 网证
  gateway), contract in ``docs/protocols/identity-verification.md``.
"""

from sealpost.adapters.identity_verifier.builtin import BuiltinVerifier
from sealpost.adapters.identity_verifier.http import HttpIdentityVerifier, VerifierUnavailableError

__all__ = ["BuiltinVerifier", "HttpIdentityVerifier", "VerifierUnavailableError"]
