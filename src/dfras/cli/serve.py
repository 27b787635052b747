"""``dfras serve``: the REST API and the dashboard on one local HTTP server."""

from __future__ import annotations

import typer

from dfras.cli.app import app, store_location


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (local only by default)."
    ),
    port: int = typer.Option(8000, "--port", help="TCP port."),
) -> None:
    """Serve the REST API (/api/v1, docs at /docs) and the web dashboard."""
    import uvicorn

    from dfras.service.app import create_app

    uvicorn.run(
        create_app(store_location()),
        host=host,
        port=port,
        log_level="warning",
        timeout_keep_alive=30,
    )
