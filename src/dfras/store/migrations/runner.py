"""Running the migrations from Python (the CLI's ``dfras db`` and the tests call these).

They run as the role named in the URL, which becomes the owner of the tables: run them as the
owner role, never as the service role (which has no right to create tables anyway).
"""

from __future__ import annotations

from pathlib import Path

from dfras.domain.errors import UserError

HERE = Path(__file__).resolve().parent


def sqlalchemy_url(url: str) -> str:
    """A ``postgresql://`` URL as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise UserError(f"not a PostgreSQL URL: {url}", hint="use postgresql://user@host:port/db")


def _config(url: str) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


def _run(url: str, action: str, revision: str) -> None:
    from alembic import command
    from sqlalchemy.exc import OperationalError

    try:
        getattr(command, action)(_config(url), revision)
    except OperationalError as exc:
        raise UserError(
            f"cannot reach the database {_safe(url)}: {exc.orig}",
            hint="check the URL, that PostgreSQL runs, and that the role may log in",
        ) from exc


def upgrade(url: str, revision: str = "head") -> None:
    """Apply revisions up to ``revision``."""
    _run(url, "upgrade", revision)


def downgrade(url: str, revision: str = "-1") -> None:
    """Revert to ``revision`` (``base`` empties the schema)."""
    _run(url, "downgrade", revision)


def current(url: str) -> str | None:
    """The revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The newest revision shipped with this release."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config("postgresql://x/y")).get_current_head()  # type: ignore[arg-type]


def _safe(url: str) -> str:
    """``url`` without a password."""
    if "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
        scheme, rest = url.split("//", 1)
        creds, host = rest.split("@", 1)
        return f"{scheme}//{creds.split(':', 1)[0]}:***@{host}"
    return url
