"""One order's timeline, cause, evidence links and customer sentence; the CLI faces; refresh
bookkeeping (data version, kept resolution fields)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dfras.analysis.scope import make_scope
from dfras.causes import service
from dfras.causes.messages import REASONS
from dfras.domain.errors import UserError
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store

DFRAS = Path(sys.executable).parent / "dfras"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("causes-detail")
    generate(root / "data", orders=5_000, seed=11)
    path = root / "s.duckdb"
    store = open_store(str(path))
    try:
        ingest_paths(store, [root / "data"])
        service.refresh(store)
    finally:
        store.close()
    return path


@pytest.fixture
def store(db: Path) -> Iterator[Any]:
    s = open_store(str(db))
    yield s
    s.close()


def _one(store: Any, sql: str) -> int:
    rows = store.fetchall(sql)
    assert rows, sql
    return int(rows[0][0])


def test_timeline_of_a_failed_order_with_reattempts(store: Any) -> None:
    order_id = _one(
        store,
        """SELECT f.order_id FROM delivery_fact f WHERE f.is_failed AND f.attempts >= 2
           ORDER BY f.order_id LIMIT 1""",
    )
    detail = service.order_detail(store, order_id)
    events = [s.event for s in detail.timeline]
    assert events[0] == "ordered" and events[-1] == "failed"
    assert events.index("picking started") < events.index("dispatched")
    assert events.index("dispatched") < events.index("attempt 1 departed")
    assert events.index("attempt 1 departed") < events.index("attempt 2 departed")
    stamps = [s.at for s in detail.timeline if s.at is not None]
    assert stamps == sorted(stamps)
    fleet_ids = {
        r[0]
        for r in store.fetchall(f"SELECT fleet_log_id FROM fleet_logs WHERE order_id = {order_id}")
    }
    named = {
        int(s.record.split("#")[1])
        for s in detail.timeline
        if s.record and s.record.startswith("fleet_logs#")
    }
    assert named == fleet_ids

    cause = detail.cause
    assert cause is not None and cause.outcome == "failure"
    assert {a["fleet_log_id"] for a in cause.evidence["fleet_logs"]} == fleet_ids
    departures = [a["departure_time"] for a in cause.evidence["fleet_logs"]]
    assert departures == sorted(departures)
    wh_ids = {
        r[0]
        for r in store.fetchall(f"SELECT log_id FROM warehouse_logs WHERE order_id = {order_id}")
    }
    assert cause.evidence["warehouse_log"]["log_id"] in wh_ids
    assert set(cause.evidence["warehouse_log"]["log_ids"]) == wh_ids
    assert cause.evidence["warehouse_log"]["picking_median"] > 0
    factor = cause.evidence["external_factor"]
    if factor is not None:
        assert (
            store.fetchall(
                f"SELECT order_id FROM external_factors WHERE factor_id = {factor['factor_id']}"
            )[0][0]
            == order_id
        )
    assert 0.0 <= cause.confidence <= 1.0
    assert cause.posteriors[cause.primary_cause] == pytest.approx(cause.confidence, abs=1e-3)
    assert cause.recorded_reason_status in ("confirmed", "contradicted", "unsupported")
    assert cause.preventive_measures


def test_customer_message_names_the_cause_in_plain_words(store: Any) -> None:
    order_id = _one(
        store,
        """SELECT order_id FROM root_cause_analysis WHERE outcome = 'failure'
           AND confidence_score >= 0.9 ORDER BY order_id LIMIT 1""",
    )
    detail = service.order_detail(store, order_id)
    assert detail.cause is not None
    message = detail.customer_message
    assert message.startswith("Your order could not be delivered because")
    assert REASONS[detail.cause.primary_cause] in message
    assert "#" not in message and "likelihood" not in message


def test_late_order_delay_is_split_by_stage(store: Any) -> None:
    order_id = _one(
        store,
        "SELECT order_id FROM root_cause_analysis WHERE outcome = 'late' ORDER BY order_id LIMIT 1",
    )
    detail = service.order_detail(store, order_id)
    cause = detail.cause
    assert cause is not None and cause.delay_split is not None
    split = cause.delay_split
    stages = ("picking", "dispatch", "transit", "reattempt")
    biggest = max(stages, key=lambda s: split[s]["excess_hours"] or float("-inf"))
    assert cause.primary_cause == biggest == split["stage"]
    assert sum(split[s]["share"] for s in stages) == pytest.approx(1.0, abs=0.01)
    assert detail.customer_message.startswith("Your order arrived")
    assert detail.timeline[-1].event == "delivered"


def test_on_time_order_has_no_cause(store: Any) -> None:
    order_id = _one(
        store,
        "SELECT order_id FROM delivery_fact WHERE is_delivered AND NOT is_late ORDER BY order_id LIMIT 1",
    )
    detail = service.order_detail(store, order_id)
    assert detail.cause is None and "on time" in detail.customer_message


def test_unknown_order_is_a_user_error(store: Any) -> None:
    with pytest.raises(UserError) as exc:
        service.order_detail(store, 987_654_321)
    assert exc.value.hint


def test_list_causes_by_scope_and_outcome(store: Any) -> None:
    city = store.fetchall(
        "SELECT city FROM delivery_fact GROUP BY city ORDER BY count(*) DESC LIMIT 1"
    )[0][0]
    found = service.list_causes(store, scope=make_scope(city=[city]), outcome="failure")
    expected = _one(
        store, f"SELECT count(*) FROM delivery_fact WHERE is_failed AND city = '{city}'"
    )
    assert len(found) == expected > 0
    assert all(c.outcome == "failure" for c in found)
    first = found[0].to_dict()
    for key in (
        "order_id",
        "primary_cause",
        "contributing_causes",
        "confidence",
        "recorded_reason_status",
        "evidence",
    ):
        assert key in first
    assert len(service.list_causes(store, limit=3)) == 3
    with pytest.raises(UserError):
        service.list_causes(store, outcome="lost")


def test_every_outcome_order_is_analysed(store: Any) -> None:
    assert _one(
        store, "SELECT count(*) FROM delivery_fact WHERE is_failed OR is_returned OR is_late"
    ) == _one(store, "SELECT count(*) FROM root_cause_analysis")


def test_refresh_keeps_resolution_state_of_every_order(db: Path) -> None:
    store = open_store(str(db))
    try:
        kept, moved = (
            r[0]
            for r in store.fetchall(
                "SELECT order_id FROM root_cause_analysis WHERE outcome = 'failure' ORDER BY order_id LIMIT 2"
            )
        )
        store.execute(
            "UPDATE root_cause_analysis SET resolution_status = 'Resolved', resolution_notes = 'restocked', resolved_by = 'ops' WHERE order_id IN (?, ?)",
            [kept, moved],
        )
        # pretend the earlier analysis named another cause for ``moved``
        store.execute(
            "UPDATE root_cause_analysis SET primary_cause = 'System issue', analysis_id = 0 WHERE order_id = ?",
            [moved],
        )
        assert service.ensure_current(store) is False
        store.execute("UPDATE store_meta SET value = value || '+' WHERE key = 'data_version'")
        assert service.ensure_current(store) is True
        rows = {
            r["order_id"]: r
            for r in store.fetch_dicts(
                "SELECT * FROM root_cause_analysis WHERE order_id IN (?, ?)", [kept, moved]
            )
        }
        assert rows[kept]["resolution_status"] == "Resolved" and rows[kept]["resolved_by"] == "ops"
        # the team's work stays even where the cause was re-judged; the analysis id moves on
        assert rows[moved]["resolution_status"] == "Resolved"
        assert rows[moved]["resolution_notes"] == "restocked"
        assert rows[moved]["analysis_id"] != 0
    finally:
        store.close()


def _cli(db: Path, *args: str) -> str:
    done = subprocess.run(
        [str(DFRAS), "--db", str(db), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cli_order_json_and_causes_csv(db: Path) -> None:
    store = open_store(str(db), read_only=True)
    try:
        order_id = _one(store, "SELECT order_id FROM root_cause_analysis ORDER BY order_id LIMIT 1")
    finally:
        store.close()
    detail = json.loads(_cli(db, "order", str(order_id), "--format", "json"))
    assert detail["order_id"] == order_id
    assert detail["cause"]["primary_cause"] and detail["customer_message"]
    rows = list(
        csv.DictReader(io.StringIO(_cli(db, "causes", "--outcome", "late", "--format", "csv")))
    )
    assert rows and all(r["outcome"] == "late" for r in rows)
    listed = json.loads(_cli(db, "causes", "--limit", "2", "--format", "json"))
    assert isinstance(listed, list) and len(listed) == 2 and "evidence" in listed[0]
