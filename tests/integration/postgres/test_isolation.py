"""Row-level security: no tenant sees nothing; tenant B can neither read nor write tenant A's
rows. Generated from the database's own registry of tenant tables, so a table added by a
later revision is tested without editing this file."""

from __future__ import annotations

import psycopg
import pytest

from dfras.store.migrations.tenancy import SERVICE_ROLE, TENANT_SETTING
from dfras.store.registry import TENANT_TABLES_SQL


def _tenant_tables(url: str) -> list[str]:
    with psycopg.connect(url) as con:
        return [r[0] for r in con.execute(TENANT_TABLES_SQL).fetchall()]


def _key_columns(con: psycopg.Connection, table: str) -> list[str]:
    rows = con.execute(
        """SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
           WHERE i.indrelid = %s::regclass AND i.indisprimary AND a.attname <> 'tenant_id'""",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _session(url: str, tenant: str | None) -> psycopg.Connection:
    con = psycopg.connect(url)
    if tenant is not None:
        con.execute("SELECT set_config(%s, %s, true)", [TENANT_SETTING, tenant])
    return con


_PROBE_VALUES = {
    "text": None,  # the marker
    "boolean": True,
    "timestamp without time zone": "2026-01-01 00:00:00",
    "date": "2026-01-01",
}


def _insert_probe(con: psycopg.Connection, table: str, marker: str) -> None:
    """One row: the key columns and every NOT NULL column without a default filled."""
    keys = _key_columns(con, table)
    cols = con.execute(
        "SELECT column_name, data_type, is_nullable = 'NO' AND column_default IS NULL "
        "FROM information_schema.columns "
        "WHERE table_name = %s AND column_name <> 'tenant_id' ORDER BY ordinal_position",
        [table],
    ).fetchall()
    types = {c: t for c, t, _ in cols}
    wanted = [*keys, *(c for c, _, required in cols if required and c not in keys)]

    def value(col: str) -> object:
        kind = types[col]
        if kind == "text":
            return marker
        return _PROBE_VALUES.get(kind, 987654)

    values = {k: value(k) for k in wanted}
    if not values:  # no key: one text column carries the marker
        first_text = next(c for c, t, _ in cols if t == "text")
        values = {first_text: marker}
    names = ", ".join(values)
    con.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(values))})",
        list(values.values()),
    )


def _may(con: psycopg.Connection, table: str, privilege: str) -> bool:
    return bool(con.execute("SELECT has_table_privilege(%s, %s)", [table, privilege]).fetchone()[0])


@pytest.fixture(scope="module")
def probes(pg_db):
    """One row written by tenant A (as the service role) into every tenant table."""
    tables = _tenant_tables(pg_db.owner_url)
    assert len(tables) >= 16
    with _session(pg_db.service_url, "a") as con:
        for table in tables:
            _insert_probe(con, table, "probe-a")
        con.commit()
    return tables


def test_service_role_is_neither_superuser_nor_owner(pg_db):
    with psycopg.connect(pg_db.admin_url) as con:
        su, bypass = con.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [SERVICE_ROLE]
        ).fetchone()
        owners = {
            r[0]
            for r in con.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
    assert not su and not bypass
    assert SERVICE_ROLE not in owners


def test_service_role_cannot_change_the_schema(pg_db):
    with (
        _session(pg_db.service_url, "a") as con,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        con.execute("CREATE TABLE sneaky (x int)")
    with (
        _session(pg_db.service_url, "a") as con,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        con.execute("ALTER TABLE orders DISABLE ROW LEVEL SECURITY")


def test_no_tenant_set_sees_no_rows(pg_db, probes):
    with _session(pg_db.service_url, None) as con:
        for table in [*probes, "tenants"]:
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n == 0, f"{table}: {n} rows visible with no tenant set"


def test_tenant_a_sees_its_rows(pg_db, probes):
    with _session(pg_db.service_url, "a") as con:
        for table in probes:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1, table


@pytest.mark.parametrize("command", ["select", "update", "delete", "insert"])
def test_tenant_b_cannot_touch_tenant_a(pg_db, probes, command):
    for table in probes:
        with _session(pg_db.service_url, "b") as con:
            if command == "select":
                n = con.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = 'a'").fetchone()[0]
                assert n == 0, table
            elif command in ("update", "delete") and not _may(con, table, command.upper()):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):  # append-only
                    con.execute(
                        f"UPDATE {table} SET tenant_id = 'b'"
                        if command == "update"
                        else f"DELETE FROM {table}"
                    )
            elif command == "update":
                cur = con.execute(f"UPDATE {table} SET tenant_id = 'b' WHERE tenant_id = 'a'")
                assert cur.rowcount == 0, table
            elif command == "delete":
                assert con.execute(f"DELETE FROM {table}").rowcount == 0 or table in (
                    "status_codes",
                    "failure_reasons",
                    "store_meta",
                ), table  # B's own seeded rows may go; A's are checked below
                con.rollback()
            else:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    con.execute(f"INSERT INTO {table} (tenant_id) VALUES ('a')")
            con.rollback()
    # tenant A's probes are all still there
    with _session(pg_db.service_url, "a") as con:
        for table in probes:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1, table


def test_tenant_b_cannot_move_its_rows_to_a(pg_db, probes):
    with _session(pg_db.service_url, "b") as con:
        _insert_probe(con, "quarantine", "probe-b")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("UPDATE quarantine SET tenant_id = 'a'")


def test_store_sees_only_its_tenant(pg_db, probes):
    from dfras.store.postgres import PostgresStore

    a = PostgresStore(pg_db.service_url, tenant="a")
    b = PostgresStore(pg_db.service_url, tenant="b")
    try:
        assert a.fetchall("SELECT tenant_id FROM tenants") == [("a",)]
        assert (
            b.fetchall("SELECT count(*) FROM ingest_batches WHERE batch_id = 'probe-a'")[0][0] == 0
        )
        assert (
            a.fetchall("SELECT count(*) FROM ingest_batches WHERE batch_id = 'probe-a'")[0][0] == 1
        )
    finally:
        a.close()
        b.close()


def test_audit_log_is_append_only(pg_db, probes):
    """The service role may add and read audit rows, never change or remove them; a trigger
    refuses UPDATE, DELETE and TRUNCATE even to the owner."""
    with _session(pg_db.service_url, "a") as con:
        _insert_probe(con, "audit_log", "append-a")
        con.commit()
        for sql in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            con.execute("SELECT set_config(%s, %s, true)", [TENANT_SETTING, "a"])
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql)
            con.rollback()
    with _session(pg_db.owner_url, "a") as con:
        for sql in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            con.execute("SELECT set_config(%s, %s, true)", [TENANT_SETTING, "a"])
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                con.execute(sql)
            con.rollback()
    with _session(pg_db.service_url, "a") as con:
        n = con.execute("SELECT count(*) FROM audit_log WHERE actor = 'append-a'").fetchone()[0]
        assert n >= 1
