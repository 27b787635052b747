"""``dfras tenants``: the platform admin's tenants (companies) of a PostgreSQL store."""

from __future__ import annotations

import typer

from dfras.cli.app import FormatOption, app
from dfras.cli.output import Format, console, emit, print_table

tenants_app = typer.Typer(help="Tenants of a PostgreSQL store (run as the owner role).")
app.add_typer(tenants_app, name="tenants")

DatabaseOption = typer.Option(
    ...,
    "--database",
    envvar="DFRAS_DATABASE_URL",
    help="postgresql:// URL of the database, as the owner role.",
)


@tenants_app.command("add")
def add(
    tenant_id: str = typer.Argument(..., help="Tenant id: lower-case letters, digits, - or _."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the id)."),
    database: str = DatabaseOption,
    fmt: Format = FormatOption,
) -> None:
    """Create a tenant with its reference data."""
    from dfras.store import tenants

    t = tenants.add(database, tenant_id, name)
    if fmt != Format.table:
        emit(t.to_dict(), fmt)
        return
    console.print(f"added tenant {t.tenant_id} ({t.name})")


@tenants_app.command("list")
def list_(database: str = DatabaseOption, fmt: Format = FormatOption) -> None:
    """Every tenant of the database."""
    from dfras.store import tenants

    rows = [t.to_dict() for t in tenants.list_all(database)]
    emit(rows, fmt, rows=rows, title="Tenants")


@tenants_app.command("remove")
def remove(
    tenant_id: str = typer.Argument(..., help="Tenant to delete, with all its data."),
    database: str = DatabaseOption,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    fmt: Format = FormatOption,
) -> None:
    """Delete a tenant and every row of its data."""
    from dfras.store import tenants

    if not yes:
        typer.confirm(f"delete tenant {tenant_id} and all its data?", abort=True)
    counts = tenants.remove(database, tenant_id)
    data = {"removed": tenant_id, "rows_deleted": counts}
    if fmt != Format.table:
        emit(data, fmt)
        return
    console.print(f"removed tenant {tenant_id}: {sum(counts.values()):,} rows deleted")
    print_table([{"table": k, "rows": v} for k, v in counts.items() if v], title="Rows deleted")
