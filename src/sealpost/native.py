"""The hot-path modules that a native build compiles with mypyc, and which of them are compiled.

``make native`` builds a wheel (``SEALPOST_NATIVE=1``; ``setup.py`` reads :data:`NATIVE_MODULES`)
in which these modules are C extensions compiled from the same, unchanged Python source: the
ingest loop's own code (record parsing and validation, masking, receipts, Merkle trees, column
encryption, blind indexes, session opening) then runs without the interpreter's per-operation
cost. Everything else, and every install that is not a native build (the editable development
install among them), stays pure Python. Behaviour is the same either way: ``make test`` runs the
unit and integration tests again on the native build (``make test-native``).

Compiled code checks the declared types of arguments and results at run time, so an annotation
must tell the truth (the masks, which take any object and never raise, say ``object``), and a
class whose instances change class (``domain/records.py``'s parsers) is kept an ordinary Python
class with ``mypyc_attr(native_class=False)``.

``setup.py`` reads :data:`NATIVE_MODULES` from this file's source (a literal), before anything is built.
"""

from __future__ import annotations

import sys

#: Dotted names, in the order mypyc is given them (compiled together as one group).
NATIVE_MODULES: tuple[str, ...] = (
    "sealpost.domain.merkle",
    "sealpost.domain.masking",
    "sealpost.domain.waybill_numbers",
    "sealpost.domain.records",
    "sealpost.services.masked_views",
    "sealpost.services.record_rules",
    "sealpost.services.ingest",
    "sealpost.adapters.crypto.suites",
    "sealpost.adapters.crypto.session",
    "sealpost.adapters.crypto.blind_index",
    "sealpost.adapters.crypto.field_cipher",
)


def compiled_modules() -> list[str]:
    """Those of :data:`NATIVE_MODULES` that this process imported as compiled extensions (a
    module not imported yet is imported here)."""
    import importlib

    out = []
    for name in NATIVE_MODULES:
        module = sys.modules.get(name) or importlib.import_module(name)
        if not str(getattr(module, "__file__", "")).endswith(".py"):
            out.append(name)
    return out
