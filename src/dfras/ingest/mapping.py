"""Mappings: how another export layout (an OMS, a carrier portal, an ERP) maps onto the model.

A mapping file (YAML or TOML) says, per domain, which source files hold it, which source column
feeds each canonical column, the date format of timestamp columns, and how source values map to
canonical ones (several source statuses to one: ``canceled`` → ``Failed``). It is checked before
any row is read: an unknown domain, column or canonical value is an error naming the entry.

Example file (YAML)::

    domains:
      orders:
        files: ["shipments_*.csv"]
        columns: {OrderNo: order_id, Client: client_id, Placed: order_date}
        date_formats: {order_date: "%d/%m/%Y %H:%M"}
        values:
          status: {canceled: Failed, shipped: In-Transit, done: Delivered}
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dfras.domain.errors import UserError
from dfras.domain.tables import DOMAINS


@dataclass
class DomainMapping:
    """How one domain's source files map onto its canonical table."""

    domain: str
    files: list[str] = field(default_factory=list)
    #: source column → canonical column
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    #: canonical column → {source value (case-insensitive) → canonical value}
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def canonical_header(self, header: list[str]) -> dict[str, str]:
        """canonical column → source column, for the columns this header provides."""
        out: dict[str, str] = {}
        lowered = {h.lower(): h for h in header}
        for src, canon in self.columns.items():
            if src in header:
                out[canon] = src
            elif src.lower() in lowered:
                out[canon] = lowered[src.lower()]
        used = set(out.values())
        for h in header:
            if h in used:
                continue  # a mapped source column feeds only the column it is mapped to
            if h.lower() in DOMAINS[self.domain].column_names and h.lower() not in out:
                out[h.lower()] = h
        return out


@dataclass
class Mapping:
    """A checked mapping file."""

    source: str
    domains: dict[str, DomainMapping]
    path: str | None = None

    def domain_for_file(self, path: Path) -> str | None:
        for dm in self.domains.values():
            if any(fnmatch.fnmatch(path.name, pat) for pat in dm.files):
                return dm.domain
        return None


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name the entry that is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read mapping file {path}: {exc.strerror or exc}") from exc
    import yaml  # only here: a mapping file is rare, and YAML takes 7 ms to import

    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise UserError(
            f"mapping file {path} is not valid {path.suffix[1:].upper()}: {exc}"
        ) from exc
    mapping = parse_mapping(data, where=str(path))
    mapping.path = str(path)
    return mapping


def parse_mapping(data: Any, *, where: str = "mapping") -> Mapping:
    """Check a mapping given as plain data (from YAML, TOML or JSON)."""
    if not isinstance(data, dict) or not isinstance(data.get("domains"), dict):
        raise UserError(f"{where}: expected a top-level 'domains' table")
    domains: dict[str, DomainMapping] = {}
    for name, spec in data["domains"].items():
        if name not in DOMAINS:
            raise UserError(
                f"{where}: domains.{name} is not a domain",
                hint=f"use one of {', '.join(DOMAINS)}",
            )
        spec = spec or {}
        _table(spec, f"{where}: domains.{name}")
        for section in ("columns", "date_formats", "values"):
            if spec.get(section) is not None:
                _table(spec[section], f"{where}: domains.{name}.{section}")
        canon_cols = set(DOMAINS[name].column_names)
        columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
        for src, canon in columns.items():
            if canon not in canon_cols:
                raise UserError(
                    f"{where}: domains.{name}.columns.{src} maps to unknown column {canon!r}",
                    hint=f"{name} has {', '.join(sorted(canon_cols))}",
                )
        formats = {str(k): str(v) for k, v in (spec.get("date_formats") or {}).items()}
        for col, fmt in formats.items():
            if col not in canon_cols or DOMAINS[name].column(col).type != "timestamp":
                raise UserError(
                    f"{where}: domains.{name}.date_formats.{col} is not a timestamp column"
                )
            _check_format(fmt, f"{where}: domains.{name}.date_formats.{col}")
        values: dict[str, dict[str, str]] = {}
        for col, table in (spec.get("values") or {}).items():
            if col not in canon_cols:
                raise UserError(f"{where}: domains.{name}.values.{col} is not a column of {name}")
            enum = DOMAINS[name].column(col).enum
            _table(table or {}, f"{where}: domains.{name}.values.{col}")
            for k in table or {}:
                if not isinstance(k, str | int | float) or isinstance(k, bool):
                    raise UserError(
                        f"{where}: domains.{name}.values.{col} has the key {k!r}, which YAML read "
                        "as a boolean or other non-text value",
                        hint="quote source values such as 'yes', 'no', 'on', 'off'",
                    )
            vals = {str(k): str(v) for k, v in (table or {}).items()}
            for src, canon in vals.items():
                if enum and canon not in enum:
                    raise UserError(
                        f"{where}: domains.{name}.values.{col}.{src} maps to {canon!r}, "
                        f"which is not one of {', '.join(enum)}"
                    )
            values[col] = vals
        files = spec.get("files") or []
        if isinstance(files, str):
            files = [files]
        domains[name] = DomainMapping(
            domain=name,
            files=[str(f) for f in files],
            columns=columns,
            date_formats=formats,
            values=values,
        )
    return Mapping(source=str(data.get("source", "")), domains=domains)


def _table(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise UserError(
            f"{where} must be a table of name: value entries, not {type(value).__name__}",
            hint="see docs/mapping.md for the file format",
        )


_DIRECTIVES = set("aAbBcdfHIjmMpSUwWxXyYzZ%")


def _check_format(fmt: str, where: str) -> None:
    """Refuse a strptime format with a directive the engine does not know."""
    import re

    for directive in re.findall(r"%(.)", fmt):
        if directive not in _DIRECTIVES:
            raise UserError(
                f"{where}: %{directive} is not a date directive",
                hint="use strptime directives such as %Y %m %d %H %M %S",
            )
    if "%" not in fmt:
        raise UserError(f"{where}: {fmt!r} has no date directive")
