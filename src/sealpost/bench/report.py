"""How every benchmark reports: a readable table, then one JSON object as the last line."""

from __future__ import annotations

import sys
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table


def report(title: str, figures: dict[str, Any]) -> None:
    console = Console(file=sys.stdout, width=100)
    table = Table(title=title, show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    sys.stdout.write(orjson.dumps(figures).decode() + "\n")
    sys.stdout.flush()


def percentile(sorted_values: list[float], p: float) -> float:
    """The p-th percentile (0–100) of already sorted values, nearest-rank."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]
