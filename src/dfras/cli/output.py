"""Rendering results for the terminal: Rich tables, JSON or CSV, one switch for every command.

Commands build plain data (lists of dicts, dataclasses) and hand it here; nothing else in the
CLI decides how output looks. JSON goes to stdout untouched by colour so it can be piped.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


console = Console()
err_console = Console(stderr=True)


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for dataclasses, dates, decimals and nested containers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return to_jsonable(value.to_dict())
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")


def print_csv(rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    fields = list(rows[0].keys())
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return to_jsonable(value)


def print_table(
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    cols = list(columns or (rows[0].keys() if rows else []))
    table = Table(title=title, title_justify="left", header_style="bold")
    for c in cols:
        numeric = bool(rows) and isinstance(rows[0].get(c), int | float | Decimal)
        table.add_column(c, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(row.get(c)) for c in cols))
    console.print(table)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict | list):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return str(value)


def emit(
    data: Any,
    fmt: Format,
    *,
    rows: Sequence[dict[str, Any]] | None = None,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Print ``data`` as JSON, or its tabular ``rows`` as a table or CSV."""
    if fmt == Format.json:
        print_json(data)
    elif fmt == Format.csv:
        print_csv(rows if rows is not None else [])
    else:
        print_table(rows if rows is not None else [], title=title, columns=columns)
