"""``dfras users``: bootstrap a tenant's users (its first company admin) from the shell."""

from __future__ import annotations

import json
import secrets

import typer

from dfras.cli.app import FormatOption, app
from dfras.cli.output import Format, console, emit
from dfras.domain.errors import UserError

users_app = typer.Typer(help="Users of a tenant (bootstrap; later the admin uses the API).")
app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    tenant: str = typer.Option(..., "--tenant", help="Tenant the user belongs to."),
    email: str = typer.Option(..., "--email", help="The user's e-mail (her login)."),
    role: str = typer.Option(..., "--role", help="company_admin, operations_manager, ..."),
    scopes: str | None = typer.Option(
        None, "--scopes", help='Per-user scopes as JSON, e.g. {"warehouse_id": ["3"]}.'
    ),
    password: str = typer.Option(
        ...,
        "--password",
        envvar="DFRAS_USER_PASSWORD",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Password (prompted when not given; or DFRAS_USER_PASSWORD).",
    ),
    database: str = typer.Option(
        ...,
        "--database",
        envvar="DFRAS_DATABASE_URL",
        help="postgresql:// URL as the owner role (or a DuckDB path).",
    ),
    fmt: Format = FormatOption,
) -> None:
    """Create a user of ``--tenant`` with a role (and optional scopes)."""
    from dfras.auth.ratelimit import MemoryWindow
    from dfras.auth.service import AuthService
    from dfras.auth.tokens import AccessTokens
    from dfras.store.open import open_store

    if len(password) < 12:
        raise UserError("password too short: at least 12 characters")
    try:
        wanted = json.loads(scopes) if scopes else {}
    except json.JSONDecodeError as exc:
        raise UserError(f"--scopes is not JSON: {exc.msg}") from exc
    store = open_store(database, tenant=tenant)
    try:
        # no token is issued here: the signing key is a throw-away
        svc = AuthService(store, AccessTokens(secrets.token_bytes(32)), MemoryWindow())
        try:
            user_id = svc.create_user(tenant, email, password, role, wanted)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    finally:
        store.close()
    data = {"tenant": tenant, "user_id": user_id, "email": email.strip().lower(), "role": role}
    if fmt != Format.table:
        emit(data, fmt)
        return
    console.print(f"added {data['email']} ({role}) to tenant {tenant}: user id {user_id}")
