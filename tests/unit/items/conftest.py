"""The item checker used by every item test: the packaged catalogue with OpenCC conversion."""

from __future__ import annotations

import pytest

from sealpost.adapters.text.opencc_converter import default_item_checker
from sealpost.domain.items import ItemChecker


@pytest.fixture(scope="session")
def checker() -> ItemChecker:
    return default_item_checker()
