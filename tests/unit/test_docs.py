"""The documentation keeps up with the code: CLI reference, rules, columns, README commands."""

from __future__ import annotations

from pathlib import Path

from dfras.cli.reference import render
from dfras.domain.tables import DOMAINS
from dfras.ingest.rules import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"
README = Path(__file__).resolve().parents[2] / "README.md"


def test_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text()
    assert current == render(), "docs/cli.md is stale: python -m dfras.cli.reference > docs/cli.md"


def test_every_rule_is_documented() -> None:
    text = (DOCS / "ingestion.md").read_text()
    missing = [code for code in RULES if f"`{code}`" not in text]
    assert not missing, f"rules missing from docs/ingestion.md: {missing}"


def test_every_column_is_documented() -> None:
    text = (DOCS / "data-model.md").read_text()
    for domain in DOMAINS.values():
        assert f"## {domain.name}" in text
        for col in domain.column_names:
            assert f"| {col} |" in text, f"{domain.name}.{col} missing from docs/data-model.md"


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text().split("```")[1]
    assert "make demo" in head and "make test" in head
