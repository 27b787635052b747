"""The CLI on PostgreSQL: db, tenants, and a command on a tenant as the service role."""

from __future__ import annotations

import json
import re
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
    assert json.loads(up.stdout)["current"] == json.loads(up.stdout)["head"] == "0004"

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


def test_ingest_and_scheduled_reports_per_tenant_by_the_tenant_option(empty_db, tmp_path):
    """`--tenant` (not only DFRAS_TENANT) names the tenant of every command, ingest included;
    scheduled reports run per tenant from cron as the service role and see only its data."""
    from dfras.generate import generate

    owner, service = empty_db.owner_url, empty_db.service_url
    assert run("db", "upgrade", "--database", owner).returncode == 0
    for tenant in ("acme", "beta"):
        assert run("tenants", "add", tenant, "--database", owner).returncode == 0
    data = tmp_path / "data"
    generate(data, orders=800, seed=9)
    ingested = run("--db", service, "--tenant", "acme", "ingest", str(data), "--format", "json")
    assert ingested.returncode == 0, ingested.stderr
    acme = json.loads(run("--db", service, "--tenant", "acme", "info", "--format", "json").stdout)
    beta = json.loads(run("--db", service, "--tenant", "beta", "info", "--format", "json").stdout)
    assert acme["tables"]["orders"] == 800 and beta["tables"]["orders"] == 0

    for tenant in ("acme", "beta"):
        added = run(
            "--db", service, "--tenant", tenant, "schedule", "add", f"{tenant} daily",
            "--frequency", "daily", "--hour", "0", "--report-format", "html",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    sent = {}
    for tenant in ("acme", "beta"):
        out = tmp_path / tenant
        ran = run(
            "--db", service, "--tenant", tenant, "schedule", "run", "--out", str(out),
            "--format", "json",
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        sent[tenant] = json.loads(ran.stdout)
    assert [s["schedule"] for s in sent["acme"]] == ["acme daily"]
    assert [s["schedule"] for s in sent["beta"]] == ["beta daily"]  # never acme's schedule
    in_scope = {}
    for tenant in ("acme", "beta"):
        text = next((tmp_path / tenant).glob("*.html")).read_text()
        found = re.search(r"([\d,]+) orders in scope", text)
        in_scope[tenant] = int(found.group(1).replace(",", "")) if found else 0
    assert in_scope["acme"] > 0 and in_scope["beta"] == 0  # beta's report saw none of acme's
