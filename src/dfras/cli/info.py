"""``dfras info``: what the store holds."""

from __future__ import annotations

from dfras.cli.app import FormatOption, app, open_store, store_location
from dfras.cli.output import Format, console, emit, print_table


@app.command()
def info(fmt: Format = FormatOption) -> None:
    """Rows per domain, quarantined rows, batches, time range, as-of time, store path and size."""
    from dfras.store.inventory import describe_store

    store = open_store(read_only=True)
    try:
        data = describe_store(store)
    finally:
        store.close()
    rows = [{"table": k, "rows": v} for k, v in data["tables"].items()]
    if fmt != Format.table:
        emit(data, fmt, rows=rows)
        return
    where = store.location if store.engine == "postgres" else store_location()
    size = f" ({data['size_bytes']:,} bytes)" if data["size_bytes"] is not None else ""
    tenant = f", tenant {store.tenant}" if getattr(store, "tenant", None) else ""
    console.print(f"store: [bold]{where}[/]{size}{tenant}", highlight=False)
    console.print(
        f"orders from {data['time_range']['first_order']} to {data['time_range']['last_order']}; "
        f"default as-of {data['as_of']}"
    )
    print_table([*rows, {"table": "quarantine", "rows": data["quarantined_rows"]}], title="Tables")
    if data["batches"]:
        print_table(data["batches"], title="Batches")
