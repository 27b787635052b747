"""``dfras db``: the PostgreSQL schema's migrations (run as the owner role)."""

from __future__ import annotations

import typer

from dfras.cli.app import FormatOption, app
from dfras.cli.output import Format, console, emit

db_app = typer.Typer(help="PostgreSQL schema migrations: upgrade, downgrade, current.")
app.add_typer(db_app, name="db")

DatabaseOption = typer.Option(
    ...,
    "--database",
    envvar="DFRAS_DATABASE_URL",
    help="postgresql:// URL of the database, as the owner role (never the service role).",
)


def _report(url: str, action: str, fmt: Format) -> None:
    from dfras.store.migrations import runner

    data = {"action": action, "current": runner.current(url), "head": runner.head()}
    if fmt != Format.table:
        emit(data, fmt)
        return
    console.print(f"{action}: database at revision {data['current']} (newest: {data['head']})")


@db_app.command("upgrade")
def upgrade(
    database: str = DatabaseOption,
    revision: str = typer.Option("head", "--revision", help="Target revision."),
    fmt: Format = FormatOption,
) -> None:
    """Apply the migrations up to --revision (default: the newest)."""
    from dfras.store.migrations import runner

    runner.upgrade(database, revision)
    _report(database, "upgraded", fmt)


@db_app.command("downgrade")
def downgrade(
    database: str = DatabaseOption,
    revision: str = typer.Option(
        "-1", "--revision", help="Target revision (-1: one back; base: empty schema)."
    ),
    fmt: Format = FormatOption,
) -> None:
    """Revert migrations to --revision (``base`` drops every DFRAS table and its data)."""
    from dfras.store.migrations import runner

    runner.downgrade(database, revision)
    _report(database, "downgraded", fmt)


@db_app.command("current")
def current(database: str = DatabaseOption, fmt: Format = FormatOption) -> None:
    """The revision the database is at, and the newest this release ships."""
    _report(database, "current", fmt)
