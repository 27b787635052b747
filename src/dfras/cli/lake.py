"""``dfras lake``: the store's tables as a Parquet lake that DuckDB and Spark both read."""

from __future__ import annotations

from pathlib import Path

import typer

from dfras.cli.app import FormatOption, app, state, store_location
from dfras.cli.output import Format, console, emit, print_table

lake_app = typer.Typer(help="Export the store to a Parquet lake (Hive-partitioned by month).")
app.add_typer(lake_app, name="lake")


def _lake_dir(directory: Path | None) -> Path:
    from dfras.domain.errors import UserError

    if directory is not None:
        return directory.expanduser()
    if state.lake:
        return Path(state.lake).expanduser()
    raise UserError("no lake folder named", hint="pass DIR, or --lake DIR / DFRAS_LAKE")


@lake_app.command("export")
def export(
    directory: Path | None = typer.Argument(
        None, help="Lake folder (default: --lake / DFRAS_LAKE).", show_default=False
    ),
    fmt: Format = FormatOption,
) -> None:
    """Write the canonical tables, the delivery fact and the per-order causes to DIR as
    Parquet; only partitions whose content changed are rewritten, the manifest last."""
    from dfras.lake.export import export_lake
    from dfras.store.open import open_store

    lake = _lake_dir(directory)
    store = open_store(store_location(), tenant=state.tenant)
    try:
        with console.status("exporting") as status:
            report = export_lake(
                store, lake, on_table=lambda name: status.update(f"exporting {name}")
            )
    finally:
        store.close()
    rows = [
        {
            "table": t.name,
            "layer": t.layer,
            "rows": t.rows,
            "partitions": t.partitions,
            "rewritten": t.rewritten,
            "removed": t.removed,
        }
        for t in report.tables
    ]
    data = {"lake": report.lake, "rewritten": report.rewritten, "seconds": report.seconds}
    if fmt != Format.table:
        emit({**data, "tables": rows}, fmt, rows=rows)
        return
    print_table(rows, title=f"Lake {report.lake}")
    console.print(
        f"{report.rewritten} partition(s) rewritten in {report.seconds:.1f} s; "
        f"manifest: {lake / 'manifest.json'}"
    )
