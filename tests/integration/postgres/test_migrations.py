"""Alembic migrations from an empty database: upgrade, downgrade to empty, upgrade again."""

from __future__ import annotations

import psycopg

from dfras.store.migrations import runner


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as con:
        rows = con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def _columns(url: str, table: str) -> set[str]:
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table]
        ).fetchall()
    return {r[0] for r in rows}


def _forced(url: str) -> dict[str, tuple[bool, bool]]:
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_upgrade_downgrade_round_trip(empty_db):
    url = empty_db.owner_url
    assert runner.current(url) is None
    runner.upgrade(url)
    assert runner.current(url) == runner.head() == "0004"
    first = _tables(url)
    # revision 0004: a batch's file digest is no longer named after SHA-256
    assert "source_digest" in _columns(url, "ingest_batches")
    assert "source_sha256" not in _columns(url, "ingest_batches")
    # revision 0003: lineage by batch, no stored row fingerprint in the canonical tables
    assert not {"_row_hash", "_source_file", "_ingested_at"} & _columns(url, "orders")
    assert {"_batch_id", "_source_row", "_flags"} <= _columns(url, "orders")
    assert {"tenants", "orders", "delivery_fact", "store_meta", "root_cause_analysis"} <= first
    # revision 0002: every table added since release 0.1
    assert {
        "daily_summary",
        "daily_cause_summary",
        "resolution_history",
        "pattern_detections",
        "event_correlations",
        "outcome_series_daily",
        "outcome_series_hourly",
        "alert_rules",
        "alert_channels",
        "alerts",
        "alert_history",
        "alert_deliveries",
        "alert_rule_state",
        "models",
        "model_performance",
        "order_predictions",
        "simulation_scenarios",
        "monte_carlo_results",
        "report_schedules",
        "users",
        "refresh_tokens",
        "api_keys",
        "audit_log",
    } <= first
    # every table but Alembic's own has RLS enabled and forced
    flags = _forced(url)
    assert all(flags[t] == (True, True) for t in first - {"alembic_version"}), flags

    runner.downgrade(url, "base")
    assert runner.current(url) is None
    assert _tables(url) <= {"alembic_version"}

    runner.upgrade(url)
    assert _tables(url) == first
    runner.downgrade(url, "base")


def test_every_revision_steps_up_and_down_keeping_data(empty_db):
    """From the first release's schema with a tenant's data, each later revision upgrades in
    turn (the data survives), and each downgrades in turn back to empty. With four revisions
    this is base → 0001 → ... → 0004 → ... → 0001 → base; every revision added later is
    stepped through here."""
    from alembic.script import ScriptDirectory

    from dfras.store import tenants
    from dfras.store.postgres import PostgresStore

    url = empty_db.owner_url
    script = ScriptDirectory.from_config(runner._config(url))  # type: ignore[arg-type]
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert chain[:4] == ["0001", "0002", "0003", "0004"]
    runner.upgrade(url, chain[0])
    tenants.add(url, "keep")
    store = PostgresStore(empty_db.service_url, tenant="keep")
    store.execute("INSERT INTO store_meta VALUES ('probe', 'kept')")
    for rev in chain[1:]:
        runner.upgrade(url, rev)
        assert runner.current(url) == rev
        assert store.fetchall("SELECT value FROM store_meta WHERE key = 'probe'") == [("kept",)]
    store.close()
    for rev in reversed(chain):
        assert runner.current(url) == rev
        runner.downgrade(url, "-1")
    assert runner.current(url) is None
    assert _tables(url) <= {"alembic_version"}
