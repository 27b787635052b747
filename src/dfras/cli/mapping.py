"""``dfras mapping``: draft a mapping file for an export laid out unlike the sample.

``dfras mapping suggest exports/ > mapping.yaml`` prints a draft for a person to check. Only the
YAML goes to stdout, so redirecting captures a loadable file; the table of column matches and
the list of things to check go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dfras.cli.app import FormatOption, app, path_arg
from dfras.cli.output import Format, emit, err_console
from dfras.domain.errors import UserError

if TYPE_CHECKING:
    from dfras.ingest.suggest import MappingDraft

mapping_app = typer.Typer(
    help="Map another export layout onto the model: draft a mapping file to check.",
    no_args_is_help=True,
)
app.add_typer(mapping_app, name="mapping")


@mapping_app.command("suggest")
def suggest(
    paths: list[Path] = typer.Argument(..., help="Export files or folders (CSV or Parquet)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the YAML draft to FILE instead of stdout."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the --output file."),
    sample_rows: int = typer.Option(
        2000, "--sample-rows", min=1, help="Rows read per file to guess dates and values."
    ),
    fmt: Format = FormatOption,
) -> None:
    """Draft a mapping from the files' headers and values; check its '# check:' lines."""
    from dfras.ingest.suggest import suggest_mapping

    target = path_arg(output) if output else None
    if target is not None and target.exists() and not force:
        raise UserError(
            f"{target} already exists",
            hint="choose another --output file, or add --force to overwrite it",
        )
    draft = suggest_mapping([path_arg(p) for p in paths], sample_rows=sample_rows)
    if target is not None:
        try:
            target.write_text(draft.to_yaml(), encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {target}: {exc.strerror or exc}") from exc
    if fmt == Format.json:
        emit(draft, fmt)
        return
    if fmt == Format.csv:
        emit(draft, fmt, rows=_match_rows(draft))
        return
    if target is None:
        sys.stdout.write(draft.to_yaml())
        sys.stdout.flush()
    _report(draft, target)


def _match_rows(draft: MappingDraft) -> list[dict[str, Any]]:
    return [
        {
            "file": f.path.name,
            "domain": f.domain,
            "source": m.source,
            "canonical": m.canonical,
            "score": round(m.score, 1),
            "via": m.via,
            "check": "" if m.confident else "check",
        }
        for f in draft.files
        for m in f.columns
    ]


def _report(draft: MappingDraft, target: Path | None) -> None:
    """The column matches and the things to check, on stderr."""
    from rich.table import Table

    table = Table(title="Column matches", title_justify="left", header_style="bold")
    for name in ("file", "domain", "source", "canonical", "score", "via", "check"):
        table.add_column(name, justify="right" if name == "score" else "left", overflow="fold")
    for row in _match_rows(draft):
        table.add_row(
            row["file"],
            row["domain"] or "?",
            row["source"],
            row["canonical"] or "",
            f"{row['score']:.0f}",
            row["via"],
            f"[yellow]{row['check']}[/]",
        )
    err_console.print(table)
    for f in draft.files:
        if f.domain is None:
            err_console.print(f"[yellow]{f.path.name}:[/] no domain recognised", highlight=False)
    checks = draft.checks()
    if checks:
        err_console.print(f"[yellow]{len(checks)} item(s) to check[/] (marked '# check:'):")
        for c in checks:
            err_console.print(f"  - {c}", highlight=False, markup=False)
    if target is not None:
        err_console.print(f"wrote the draft to {target}", highlight=False)
