"""The ``dfras`` command: Typer app, global options, and the error-to-exit-code contract.

Exit codes: 0 ok; 1 user error (bad option, missing store, unknown name); 2 data rejected
(an input file refused as a whole, or with ``--strict`` any quarantined row). Heavy libraries
are imported inside the commands that use them, so start-up stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from dfras import __version__
from dfras.cli.output import Format, err_console
from dfras.domain.errors import DfrasError

app = typer.Typer(
    name="dfras",
    help="DFRAS: why deliveries fail or run late. Ingest exports, check quality, explain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

FormatOption = typer.Option(Format.table, "--format", "-f", help="Output: table, json or csv.")


class State:
    """Global options shared by every command."""

    db: str | None = None
    tenant: str | None = None
    engine: str = "duckdb"
    lake: str | None = None
    spark_master: str = "local[*]"


state = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dfras {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="DFRAS_DB",
        help="Store location: a DuckDB file (default ./dfras.duckdb) or a postgresql:// URL.",
        show_default=False,
    ),
    tenant: str | None = typer.Option(
        None,
        "--tenant",
        envvar="DFRAS_TENANT",
        help="Tenant (company) to work on, for a PostgreSQL store.",
        show_default=False,
    ),
    engine: str = typer.Option(
        "duckdb",
        "--engine",
        envvar="DFRAS_ENGINE",
        help="Query engine: duckdb (the --db store) or spark (the --lake folder).",
    ),
    lake: str | None = typer.Option(
        None,
        "--lake",
        envvar="DFRAS_LAKE",
        help="Lake folder Spark reads (written by `dfras lake export`).",
        show_default=False,
    ),
    spark_master: str = typer.Option(
        "local[*]",
        "--spark-master",
        envvar="DFRAS_SPARK_MASTER",
        help="Spark master: local[*], spark://host:7077 or yarn.",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Global options: --db picks the store; --engine spark runs queries on the --lake."""
    state.db = db
    state.tenant = tenant
    state.engine = engine.lower()
    state.lake = lake
    state.spark_master = spark_master


def store_location() -> str:
    from dfras.store.open import default_location

    return state.db or default_location()


def open_store(*, read_only: bool = False) -> Any:
    """The store the global options name: the DuckDB file, or Spark over the lake."""
    from dfras.store.open import open_engine_store

    return open_engine_store(
        store_location(),
        read_only=read_only,
        engine=state.engine,
        lake=state.lake,
        spark_master=state.spark_master,
        tenant=state.tenant,
    )


def _register() -> None:
    from dfras.cli import (  # noqa: F401
        alerts,
        ask,
        causes,
        db,
        demo,
        explain,
        generate,
        info,
        ingest,
        lake,
        mapping,
        monitor,
        patterns,
        predict,
        quality,
        report,
        serve,
        simulate,
        tenants,
        users,
    )


def main() -> None:
    """Entry point: run the app and turn DFRAS errors into messages and exit codes."""
    _register()
    try:
        code = app(standalone_mode=False)
        # without standalone mode an Exit is returned as its code rather than raised
        if isinstance(code, int) and code:
            sys.exit(code)
    except DfrasError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]what to do:[/] {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing of the unfinished batch was written")
        sys.exit(130)
    except Exception as exc:  # usage errors from the command-line parser, and the like
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            # the parser says 2 for usage errors; 2 is ours for rejected data
            sys.exit(1 if code == 2 else code)
        if os.environ.get("DFRAS_DEBUG"):
            raise
        if type(exc).__name__ == "OutOfMemoryException":  # DuckDB's: a limit, not a bug
            limit = os.environ.get("DFRAS_MEMORY_LIMIT", "1GB")
            err_console.print(
                f"[bold red]error:[/] the query engine needed more memory than its limit "
                f"({limit}); the step that ran out was rolled back",
                highlight=False,
            )
            err_console.print(
                "[yellow]what to do:[/] raise DFRAS_MEMORY_LIMIT (for example 4GB) and run the "
                "command again; an import keeps the files it had committed, so running it again "
                "changes only what is missing",
                highlight=False,
            )
            sys.exit(1)
        err_console.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}")
        err_console.print("set DFRAS_DEBUG=1 to see the traceback, and report it")
        sys.exit(3)


def path_arg(value: Path) -> Path:
    return value.expanduser()
