"""The CLI on PostgreSQL: db, tenants, and a command on a tenant as the service role."""

from __future__ import annotations

import json
from dataclasses import dataclass

from typer.testing import CliRunner

from dfras.cli.app import _register, app, state
from dfras.domain.errors import DfrasError

_register()


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> Ran:
    """The command in this process (as ``main`` would: a DFRAS error is exit 1 and a message)."""
    state.db = state.tenant = None
    result = CliRunner().invoke(app, list(args), env={"DFRAS_DB": "", "DFRAS_TENANT": ""})
    if isinstance(result.exception, DfrasError):
        return Ran(1, result.stdout, result.exception.message)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return Ran(result.exit_code, result.stdout, "")


def test_db_tenants_and_a_tenant_command(empty_db):
    owner, service = empty_db.owner_url, empty_db.service_url
    up = run("db", "upgrade", "--database", owner, "--format", "json")
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["current"] == json.loads(up.stdout)["head"] == "0002"

    assert run("tenants", "add", "acme", "--name", "Acme", "--database", owner).returncode == 0
    assert run("tenants", "add", "beta", "--database", owner).returncode == 0
    dup = run("tenants", "add", "acme", "--database", owner)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    listed = json.loads(run("tenants", "list", "--database", owner, "--format", "json").stdout)
    assert [t["tenant_id"] for t in listed] == ["acme", "beta"]

    # the service role sees only its own tenant, even when it asks for the list
    mine = json.loads(run("tenants", "list", "--database", service, "--format", "json").stdout)
    assert mine == []

    info = run("--db", service, "--tenant", "acme", "info", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["tables"]["orders"] == 0

    no_tenant = run("--db", service, "info")
    assert no_tenant.returncode == 1 and "needs a tenant" in no_tenant.stderr
    unknown = run("--db", service, "--tenant", "nobody", "info")
    assert unknown.returncode == 1 and "no tenant 'nobody'" in unknown.stderr

    gone = run("tenants", "remove", "beta", "--yes", "--database", owner, "--format", "json")
    assert gone.returncode == 0, gone.stderr
    listed = json.loads(run("tenants", "list", "--database", owner, "--format", "json").stdout)
    assert [t["tenant_id"] for t in listed] == ["acme"]

    down = run("db", "downgrade", "--revision", "base", "--database", owner, "--format", "json")
    assert down.returncode == 0 and json.loads(down.stdout)["current"] is None
