"""Table definitions, one module per area, all on :data:`sealpost.adapters.db.metadata.metadata`."""

import importlib
import pkgutil


def load_all() -> None:
    """Import every table module so the shared metadata knows every table."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
