"""Rules and channels from a YAML or TOML file (``dfras alerts rules load FILE``).

The file has two optional lists, ``channels`` and ``rules``; each entry is what
``dfras alerts channels add`` / ``rules add`` take, with the kind's settings inline. Loading
replaces entries of the same name and leaves others alone. docs/alerts.md shows the format.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from dfras.alerts.channels import Channel, build_channel
from dfras.alerts.rules import Rule, build_rule
from dfras.domain.errors import UserError

_RULE_KEYS = {"name", "kind", "severity", "channels", "description", "enabled"}
_CHANNEL_KEYS = {"name", "type", "min_severity", "enabled"}


def read_rule_file(path: Path) -> tuple[list[Rule], list[Channel]]:
    """Parse and validate the file; nothing is stored until every entry is valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise UserError(
            f"{path}: not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {exc}"
        ) from exc
    if not isinstance(data, dict) or not set(data) <= {"rules", "channels"}:
        raise UserError(f"{path}: expected a mapping with `rules` and/or `channels` lists")
    channels = [_channel(path, i, e) for i, e in enumerate(_list(path, data, "channels"))]
    rules = [_rule(path, i, e) for i, e in enumerate(_list(path, data, "rules"))]
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UserError(f"{path}: rule name(s) used twice: {', '.join(dupes)}")
    return rules, channels


def _list(path: Path, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UserError(f"{path}: `{key}` must be a list of mappings")
    return items


def _rule(path: Path, i: int, entry: dict[str, Any]) -> Rule:
    try:
        params = {k: v for k, v in entry.items() if k not in _RULE_KEYS}
        return build_rule(
            name=str(entry.get("name") or ""),
            kind=str(entry.get("kind") or ""),
            severity=str(entry.get("severity", "medium")),
            params=params,
            channels=list(entry.get("channels") or []),
            description=str(entry.get("description") or ""),
            enabled=bool(entry.get("enabled", True)),
        )
    except UserError as exc:
        raise UserError(f"{path}: rules[{i}]: {exc.message}", hint=exc.hint) from exc


def _channel(path: Path, i: int, entry: dict[str, Any]) -> Channel:
    try:
        config = {k: v for k, v in entry.items() if k not in _CHANNEL_KEYS}
        return build_channel(
            name=str(entry.get("name") or ""),
            type=str(entry.get("type") or ""),
            config=config,
            min_severity=str(entry.get("min_severity", "low")),
            enabled=bool(entry.get("enabled", True)),
        )
    except UserError as exc:
        raise UserError(f"{path}: channels[{i}]: {exc.message}", hint=exc.hint) from exc
