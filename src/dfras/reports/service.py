"""Producing a report file: the content gathered once, laid out as HTML, PDF or Excel."""

from __future__ import annotations

from pathlib import Path

from dfras.analysis.scope import Scope
from dfras.domain.errors import UserError
from dfras.reports import content as content_mod
from dfras.store.base import Store

FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def format_of(path: Path) -> str:
    """The report format named by the file's extension."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise UserError(
            f"cannot tell the report format of {path.name}",
            hint="end the file name with .html, .pdf or .xlsx",
        )
    return fmt


def render(store: Store, scope: Scope | None, fmt: str, *, title: str | None = None) -> bytes:
    """The report of ``scope`` as bytes of format ``fmt`` (html, pdf or xlsx)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown report format {fmt!r}", hint="use html, pdf or xlsx")
    data = content_mod.gather(store, scope, title=title)
    if fmt == "html":
        from dfras.reports import html

        return html.render(data)
    if fmt == "pdf":
        from dfras.reports import pdf

        return pdf.render(data)
    from dfras.reports import xlsx

    return xlsx.render(data)


def write_report(store: Store, scope: Scope | None, path: Path, *, title: str | None = None) -> int:
    """Write the report to ``path`` (format from its extension); returns the bytes written."""
    fmt = format_of(path)
    if not path.resolve().parent.exists():
        raise UserError(f"folder {path.parent} does not exist", hint="create it first")
    body = render(store, scope, fmt, title=title)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(path)
    return len(body)
