"""Crypto suites, key store, sealing, field encryption at rest and blind indexes.

Public interface (see ``docs/protocols/crypto.md`` and ``docs/keys.md``):

- :class:`CryptoKit` — the facade the composition root builds once per process;
- :func:`get_suite` — ``intl`` / ``gm`` suites (:class:`IntlSuite`, :class:`GmSuite`);
- :class:`Keyring` — the file key store; :class:`FieldCipher`; :class:`BlindIndexer`;
- :class:`TerminalSession` / :class:`SessionOpener` — session sealing for terminals;
- :class:`InMemoryDataKeyRepository` — data keys in memory, for unit tests.
"""

from sealpost.adapters.crypto.blind_index import BlindIndexer, normalize_id_number, normalize_phone
from sealpost.adapters.crypto.field_cipher import FieldCipher
from sealpost.adapters.crypto.keyring import Keyring
from sealpost.adapters.crypto.kit import CryptoKit, keyring_dir
from sealpost.adapters.crypto.memory import InMemoryDataKeyRepository
from sealpost.adapters.crypto.session import SessionOpener, TerminalSession
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite, get_suite, suite_by_id

__all__ = [
    "BlindIndexer",
    "CryptoKit",
    "FieldCipher",
    "GmSuite",
    "InMemoryDataKeyRepository",
    "IntlSuite",
    "Keyring",
    "SessionOpener",
    "TerminalSession",
    "get_suite",
    "keyring_dir",
    "normalize_id_number",
    "normalize_phone",
    "suite_by_id",
]
