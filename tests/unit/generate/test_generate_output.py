"""What the generated files hold: layout, messiness, coverage, outcomes and the truth files."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dfras.generate import generate

N = 20_000
TABLES = (
    "orders",
    "clients",
    "warehouses",
    "drivers",
    "warehouse_logs",
    "fleet_logs",
    "external_factors",
    "feedback",
    "truth_orders",
)
HEADERS = {
    "orders": "order_id,client_id,customer_name,customer_phone,delivery_address_line1,"
    "delivery_address_line2,city,state,pincode,order_date,promised_delivery_date,"
    "actual_delivery_date,status,payment_mode,amount,failure_reason,created_at",
    "clients": "client_id,client_name,gst_number,contact_person,contact_phone,contact_email,"
    "address_line1,address_line2,city,state,pincode,created_at",
    "warehouses": "warehouse_id,warehouse_name,state,city,pincode,capacity,manager_name,"
    "contact_phone,created_at",
    "drivers": "driver_id,driver_name,phone,license_number,partner_company,city,state,status,"
    "created_at",
    "warehouse_logs": "log_id,order_id,warehouse_id,picking_start,picking_end,dispatch_time,notes",
    "fleet_logs": "fleet_log_id,order_id,driver_id,vehicle_number,route_code,gps_delay_notes,"
    "departure_time,arrival_time,created_at",
    "external_factors": "factor_id,order_id,traffic_condition,weather_condition,event_type,"
    "recorded_at",
    "feedback": "feedback_id,order_id,customer_name,feedback_text,sentiment,rating,created_at",
    "truth_orders": "order_id,p_fail,p_return,p_late,true_cause,true_cause_category,"
    "recorded_reason,recorded_reason_correct",
}
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _connect(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for t in TABLES:
        con.execute(
            f"create view {t} as select * from read_csv('{folder / t}.csv', header=true, "
            "all_varchar=true)"
        )
    con.execute(
        """create view o as select o.*, wl.warehouse_id, fl.driver_id,
             o.status in ('Delivered', 'Failed', 'Returned') as closed,
             o.status = 'Failed' as failed, t.true_cause, t.recorded_reason_correct
           from orders o
           join truth_orders t using (order_id)
           left join (select order_id, any_value(warehouse_id) warehouse_id
                      from warehouse_logs group by 1) wl using (order_id)
           left join (select order_id, any_value(driver_id) driver_id
                      from fleet_logs group by 1) fl using (order_id)"""
    )
    return con


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    folder = tmp_path_factory.mktemp("default")
    generate(folder, orders=N, seed=42)
    con = _connect(folder)
    yield folder, con
    con.close()


@pytest.fixture(scope="module")
def null_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    folder = tmp_path_factory.mktemp("null")
    generate(folder, orders=N, seed=42, scenario="null")
    con = _connect(folder)
    yield folder, con
    con.close()


def one(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchall()[0]


def truth(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((folder / "truth.json").read_text())
    return doc


def planted(folder: Path, pid: str) -> dict[str, Any]:
    return next(p for p in truth(folder)["planted"] if p["id"] == pid)


# layout -------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_header_lines_match_the_layout(default_run: tuple[Path, Any], table: str) -> None:
    folder, _ = default_run
    with (folder / f"{table}.csv").open("rb") as f:
        assert f.readline() == (HEADERS[table] + "\n").encode()


@pytest.mark.parametrize("table", TABLES)
def test_quoting_is_minimal_rfc4180(default_run: tuple[Path, Any], table: str) -> None:
    folder, _ = default_run
    raw = (folder / f"{table}.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    width = len(rows[0])
    assert all(len(r) == width for r in rows)
    again = io.StringIO()
    csv.writer(again, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    assert again.getvalue() == raw


def test_row_counts_and_entity_ratios(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    count = {t: one(con, f"select count(*) from {t}")[0] for t in TABLES}
    assert count["orders"] == count["truth_orders"] == N
    assert count["clients"] == N // 20
    assert count["drivers"] == N // 5
    assert count["warehouses"] == 50
    assert 1.0 * N <= count["warehouse_logs"] <= 1.15 * N
    assert 1.1 * N <= count["fleet_logs"] <= 1.35 * N
    assert 0.95 * N <= count["external_factors"] <= 1.1 * N
    assert 0.3 * N <= count["feedback"] <= 0.5 * N
    assert one(con, "select count(distinct order_id) = count(*) from orders")[0]
    assert one(con, "select min(order_id::int), max(order_id::int) from orders") == (1, N)


def test_vocabularies(default_run: tuple[Path, Any]) -> None:
    _, con = default_run

    def values(sql: str) -> set[Any]:
        return {r[0] for r in con.execute(sql).fetchall()}

    assert values("select distinct status from orders") == {
        "Pending", "In-Transit", "Delivered", "Failed", "Returned"
    }  # fmt: skip
    assert values("select distinct payment_mode from orders") == {"COD", "Prepaid"}
    assert len(values("select distinct city || '/' || state from orders")) == 10
    assert values("select distinct partner_company from drivers") == {
        "BlueDart", "Delhivery", "EcomExpress", "In-house", "Shadowfax"
    }  # fmt: skip
    assert values("select distinct gps_delay_notes from fleet_logs") == {
        None, "Address not found", "Heavy congestion", "Breakdown"
    }  # fmt: skip
    assert values("select distinct notes from warehouse_logs") == {
        None, "Stock delay on item", "System issue", "Slow packing"
    }  # fmt: skip
    assert values("select distinct traffic_condition from external_factors") == {
        "Clear", "Moderate", "Heavy"
    }  # fmt: skip
    assert values("select distinct weather_condition from external_factors") == {
        "Clear", "Rain", "Fog", "Storm"
    }  # fmt: skip
    assert values("select distinct event_type from external_factors") == {
        None, "Festival", "Holiday", "Strike"
    }  # fmt: skip
    assert values("select distinct rating from feedback") == {"1", "2", "3", "4", "5"}
    amounts = one(con, "select min(amount::double), max(amount::double) from orders")
    assert amounts[0] >= 200 and amounts[1] <= 5000
    assert one(con, "select bool_and(regexp_matches(amount, '^\\d+\\.\\d\\d$')) from orders")[0]
    delhi = one(con, "select avg((city = 'New Delhi')::int) from orders")[0]
    assert 0.15 < delhi < 0.25
    assert one(con, "select bool_and(regexp_matches(route_code, '^R\\d+$')) from fleet_logs")[0]
    assert one(
        con, "select bool_and(regexp_matches(vehicle_number, '^[A-Z]{2}\\d\\d[A-Z]{2}\\d{4}$')) "
        "from fleet_logs",
    )[0]  # fmt: skip
    assert one(con, "select bool_and(license_number like 'DL%') from drivers")[0]


def test_timestamps_are_well_formed(default_run: tuple[Path, Any]) -> None:
    folder, _ = default_run
    with (folder / "fleet_logs.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            for key in ("departure_time", "created_at"):
                assert STAMP.match(row[key])
            assert row["arrival_time"] == "" or STAMP.match(row["arrival_time"])


# messiness ----------------------------------------------------------------------------------


def test_pincodes_are_six_characters_some_with_leading_zeros(
    default_run: tuple[Path, Any],
) -> None:
    _, con = default_run
    for table in ("orders", "clients", "warehouses"):
        lengths = one(con, f"select min(length(pincode)), max(length(pincode)) from {table}")
        assert lengths == (6, 6)
    zero, two = one(
        con, "select avg((pincode like '0%')::int), avg((pincode like '00%')::int) from orders"
    )
    assert 0.04 < zero < 0.2
    assert two > 0
    assert one(con, "select count(*) from clients where pincode like '0%'")[0] > 0


def test_multiline_addresses(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    share = one(con, "select avg(contains(delivery_address_line1, chr(10))::int) from orders")[0]
    assert 0.4 < share < 0.6
    clients = one(con, "select avg(contains(address_line1, chr(10))::int) from clients")[0]
    assert 0.35 < clients < 0.65


def test_phone_formats(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    phones = [r[0] for r in con.execute("select customer_phone from orders").fetchall()]
    patterns = {
        "plus91": r"^\+91\d{10}$",
        "zero": r"^0\d{10}$",
        "bare": r"^\d{10}$",
        "spaced": r"^\+91 \d{5} \d{5}$",
        "dashed": r"^\d{3}-\d{3}-\d{4}$",
    }
    found = {k: sum(bool(re.match(p, x)) for x in phones) for k, p in patterns.items()}
    assert sum(found.values()) == len(phones)
    assert all(v > 0.03 * len(phones) for v in found.values()), found


def test_repeated_rows_and_clock_skew(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    dispatched, multi, three = one(
        con,
        "select count(*), count(*) filter (where c >= 2), count(*) filter (where c = 3) "
        "from (select order_id, count(*) c from fleet_logs group by 1)",
    )
    assert 0.14 < multi / dispatched < 0.3
    assert three > 0
    for table in ("warehouse_logs", "external_factors", "feedback"):
        twice = one(
            con,
            f"select count(*) from (select order_id from {table} group by 1 having count(*) > 1)",
        )[0]
        assert twice > 0.02 * N * (0.4 if table == "feedback" else 1), table
    skew = one(
        con,
        "select avg((w.picking_start < o.order_date)::int) "
        "from warehouse_logs w join orders o using (order_id)",
    )[0]
    assert 0.015 < skew < 0.05
    flipped = one(
        con,
        "select avg(((feedback_text like 'Good service%' and sentiment <> 'Positive') "
        "or (feedback_text like 'Package was late%' and sentiment <> 'Negative'))::int) "
        "from feedback where feedback_text like 'Good service%' "
        "or feedback_text like 'Package was late%'",
    )[0]
    assert 0.08 < flipped < 0.22


# coverage and statuses ----------------------------------------------------------------------


def test_failure_reason_exactly_on_failed(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    assert one(
        con,
        "select count(*) from orders where (failure_reason is null) = (status = 'Failed')",
    )[0] == 0  # fmt: skip
    reasons = {r[0] for r in con.execute("select distinct failure_reason from orders").fetchall()}
    assert reasons - {None} == {
        "Stockout", "Warehouse delay", "Traffic congestion", "Incorrect address",
        "Address not found", "Breakdown", "System issue", "Weather disruption",
    }  # fmt: skip


def test_rates_near_the_brief(default_run: tuple[Path, Any]) -> None:
    folder, con = default_run
    fail, ret, late = one(
        con,
        "select avg((status = 'Failed')::int) filter (where closed), "
        "avg((status = 'Returned')::int) filter (where closed), "
        "avg((actual_delivery_date > promised_delivery_date)::int) "
        "filter (where status = 'Delivered') from o",
    )
    assert 0.065 < fail < 0.1
    assert 0.03 < ret < 0.05
    assert 0.12 < late < 0.18
    observed = truth(folder)["observed"]
    assert observed["failed"] == one(con, "select count(*) from orders where status='Failed'")[0]


def test_log_coverage_by_status(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    rows = con.execute(
        """select o.status, count(*),
             count(*) filter (where w.order_id is not null),
             count(*) filter (where f.order_id is not null),
             count(*) filter (where f.open_attempt),
             count(*) filter (where e.order_id is not null),
             count(*) filter (where b.order_id is not null)
           from orders o
           left join (select distinct order_id from warehouse_logs) w using (order_id)
           left join (select order_id, bool_or(arrival_time is null) open_attempt
                      from fleet_logs group by 1) f using (order_id)
           left join (select distinct order_id from external_factors) e using (order_id)
           left join (select distinct order_id from feedback) b using (order_id)
           group by 1"""
    ).fetchall()
    by = {r[0]: r[1:] for r in rows}
    for status in ("Delivered", "Failed", "Returned"):
        n, wh, fl, open_, ext, fb = by[status]
        assert wh == fl == n and open_ == 0, status
        assert 0.9 < ext / n < 0.99 and 0.3 < fb / n < 0.5, status
    n, wh, fl, open_, ext, fb = by["In-Transit"]
    assert wh == fl == open_ == n and fb == 0
    n, wh, fl, open_, ext, fb = by["Pending"]
    assert fl < 0.3 * n and 0 < wh < n and open_ == 0 and fb == 0
    open_orders = by["Pending"][0] + by["In-Transit"][0]
    assert 0.01 * N < open_orders < 0.1 * N
    recent = one(
        con,
        "select avg((order_date >= '2025-09-02')::int) from orders "
        "where status in ('Pending', 'In-Transit')",
    )[0]
    assert recent > 0.5


def test_delivery_dates_follow_the_fleet_logs(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    bad = one(
        con,
        """select count(*) filter (where o.status = 'Delivered'
                                   and o.actual_delivery_date is distinct from f.last_arrival),
                  count(*) filter (where o.status <> 'Delivered'
                                   and o.actual_delivery_date is not null),
                  count(*) filter (where o.status = 'Returned' and f.last_arrival is null)
           from orders o left join (select order_id, arg_max(arrival_time, departure_time)
                                    last_arrival from fleet_logs group by 1) f using (order_id)""",
    )
    assert bad == (0, 0, 0)
    promised = one(
        con,
        "select bool_and(date_diff('day', order_date::timestamp, "
        "promised_delivery_date::timestamp) between 2 and 5) from orders",
    )[0]
    assert promised


# truth --------------------------------------------------------------------------------------


def test_truth_orders_cover_every_order(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    assert one(
        con, "select count(*) from orders o join truth_orders t using (order_id)"
    )[0] == N  # fmt: skip
    missing = one(
        con,
        "select count(*) filter (where status in ('Failed', 'Returned') and true_cause is null), "
        "count(*) filter (where status in ('Pending', 'In-Transit') and true_cause is not null), "
        "count(*) filter (where status = 'Delivered' and (true_cause is not null) <> "
        "(actual_delivery_date > promised_delivery_date)) from o",
    )
    assert missing == (0, 0, 0)
    sql = "select distinct true_cause_category from truth_orders"
    categories = {r[0] for r in con.execute(sql).fetchall()}
    assert categories - {None} <= {
        "Operational", "External", "Technical", "Human", "System", "Inventory", "Logistics",
        "Fleet", "Delay",
    }  # fmt: skip
    stages = {
        r[0]
        for r in con.execute(
            "select distinct true_cause from o where status = 'Delivered' and true_cause is not null"
        ).fetchall()
    }
    assert stages == {"picking", "dispatch", "transit", "reattempt"}


def test_recorded_reason_is_right_three_times_in_four(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    share, same = one(
        con,
        "select avg((recorded_reason_correct = 'true')::int), "
        "avg(((failure_reason = true_cause) = (recorded_reason_correct = 'true'))::int) "
        "from o where failed",
    )
    assert 0.7 < share < 0.8
    assert same == 1.0


def test_truth_json_schema(default_run: tuple[Path, Any]) -> None:
    folder, _ = default_run
    doc = truth(folder)
    assert doc["schema_version"] == 1
    assert doc["generator"] == {
        "orders": N, "seed": 42, "scenario": "default", "start": "2025-01-01", "end": "2025-09-12"
    }  # fmt: skip
    assert doc["files"] == {"truth_orders": "truth_orders.csv"}
    kinds = {p["kind"] for p in doc["planted"]}
    assert kinds == {"entity", "combination", "window", "trend", "recurring", "seasonal"}
    assert len(doc["planted"]) == 9
    for p in doc["planted"]:
        assert set(p) >= {
            "id", "kind", "outcome", "conditions", "window", "cause", "effect",
            "affected_orders", "expected_excess", "description",
        }  # fmt: skip
        assert p["outcome"] in {"failure", "late", "delay", "return"}
        assert p["effect"]["type"] in {"rate_multiplier", "delay_hours", "trend"}
        assert p["affected_orders"] > 0 and p["expected_excess"] > 0
        for key, value in p["conditions"].items():
            if key.endswith("_id") or key in {"weekday", "hour"}:
                assert isinstance(value, int)


# planted effects ----------------------------------------------------------------------------


def _rate(
    con: Any, cond: str, outcome: str = "failed", base: str = "closed"
) -> tuple[float, float]:
    inside, outside = one(
        con,
        f"select avg(({outcome})::int) filter (where {cond}), "
        f"avg(({outcome})::int) filter (where not ({cond})) from o where {base}",
    )
    return inside, outside


def test_planted_warehouse_stockouts(default_run: tuple[Path, Any]) -> None:
    folder, con = default_run
    w = planted(folder, "warehouse_stockout")["conditions"]["warehouse_id"]
    inside, outside = _rate(con, f"warehouse_id = '{w}'", "failed and true_cause = 'Stockout'")
    assert inside >= 2 * outside
    inside, outside = _rate(con, f"warehouse_id = '{w}'")
    assert inside >= 2 * outside


def test_planted_client_and_driver(default_run: tuple[Path, Any]) -> None:
    folder, con = default_run
    c = planted(folder, "client_bad_addresses")["conditions"]["client_id"]
    inside, outside = _rate(
        con, f"client_id = '{c}'", "failed and true_cause = 'Incorrect address'"
    )
    assert inside >= 3 * outside
    d = planted(folder, "driver_address_not_found")["conditions"]["driver_id"]
    assert one(con, f"select count(*) from o where driver_id = '{d}'")[0] >= 80
    inside, outside = _rate(
        con, f"driver_id = '{d}'", "failed and true_cause = 'Address not found'"
    )
    assert inside >= 2.5 * outside
    inside, outside = _rate(con, f"driver_id = '{d}'")
    assert inside < 2 * outside


def test_planted_partner_city_combination(default_run: tuple[Path, Any]) -> None:
    folder, con = default_run
    cond = planted(folder, "partner_city_breakdowns")["conditions"]
    partner, city = cond["partner_company"], cond["city"]
    con.execute(
        "create or replace temp view od as select o.*, d.partner_company from o "
        "join drivers d using (driver_id)"
    )
    cell = one(
        con,
        f"select avg(failed::int) from od where closed and partner_company = '{partner}' "
        f"and city = '{city}'",
    )[0]
    elsewhere = one(
        con,
        f"select avg(failed::int) from od where closed and partner_company = '{partner}' "
        f"and city <> '{city}'",
    )[0]
    others = one(
        con,
        f"select avg(failed::int) from od where closed and partner_company <> '{partner}' "
        f"and city = '{city}'",
    )[0]
    assert cell >= 1.6 * elsewhere and cell >= 1.6 * others
    assert 0.6 < elsewhere / others < 1.5


def test_planted_storm_window(default_run: tuple[Path, Any]) -> None:
    folder, con = default_run
    storm = planted(folder, "city_storm")
    city, w = storm["conditions"]["city"], storm["window"]
    cond = f"city = '{city}' and order_date::date between '{w['start']}' and '{w['end']}'"
    inside, outside = _rate(con, cond)
    assert inside >= 3 * outside
    stormy = one(
        con,
        f"select avg((e.weather_condition = 'Storm')::int) from o join external_factors e "
        f"using (order_id) where {cond}",
    )[0]
    assert stormy > 0.85


def test_planted_late_effects(default_run: tuple[Path, Any]) -> None:
    _, con = default_run
    con.execute(
        "create or replace temp view ld as select o.*, e.weather_condition w, "
        "e.traffic_condition t, actual_delivery_date > promised_delivery_date as late "
        "from o join (select order_id, any_value(weather_condition) weather_condition, "
        "any_value(traffic_condition) traffic_condition from external_factors group by 1) e "
        "using (order_id) where status = 'Delivered'"
    )

    def late(cond: str) -> float:
        value: float = one(con, f"select avg(late::int) from ld where {cond}")[0]
        return value

    both = late("w = 'Rain' and t = 'Heavy'")
    rain = late("w = 'Rain' and t <> 'Heavy'")
    heavy = late("w <> 'Rain' and t = 'Heavy'")
    neither = late("w <> 'Rain' and t <> 'Heavy'")
    assert both >= 2 * max(rain, heavy)
    assert 0.7 < rain / neither < 1.3 and 0.7 < heavy / neither < 1.3
    evening = late("hour(order_date::timestamp) >= 20")
    day = late("hour(order_date::timestamp) < 20")
    assert evening >= 1.5 * day


def test_planted_trend_and_mondays(default_run: tuple[Path, Any]) -> None:
    folder, con = default_run
    trend = planted(folder, "warehouse_slowdown")
    w, start = trend["conditions"]["warehouse_id"], trend["window"]["start"]
    before, after = one(
        con,
        f"select median(m) filter (where s < date '{start}'), "
        f"median(m) filter (where s >= date '{start}' + interval 60 day) from "
        "(select picking_start::timestamp s, date_diff('minute', picking_start::timestamp, "
        f"picking_end::timestamp) m from warehouse_logs where warehouse_id = '{w}')",
    )
    assert after >= 2.5 * before
    monday = planted(folder, "monday_stockouts")["conditions"]
    assert monday["weekday"] == 0
    w = monday["warehouse_id"]
    on = one(
        con,
        f"select avg(failed::int) from o where closed and warehouse_id = '{w}' "
        "and dayofweek(order_date::timestamp) = 1",
    )[0]
    off_days = one(
        con,
        f"select avg(failed::int) from o where closed and warehouse_id = '{w}' "
        "and dayofweek(order_date::timestamp) <> 1",
    )[0]
    assert on >= 2 * off_days


# null scenario ------------------------------------------------------------------------------


def test_null_plants_nothing(null_run: tuple[Path, Any]) -> None:
    folder, con = null_run
    doc = truth(folder)
    assert doc["planted"] == [] and doc["background"] == []
    assert doc["generator"]["scenario"] == "null"
    assert one(con, "select count(distinct p_fail), count(distinct p_late) from truth_orders") == (
        1,
        1,
    )
    assert one(con, "select count(true_cause) from truth_orders")[0] == 0


def _chi_square_ok(rows: list[tuple[Any, int, int]]) -> bool:
    """Homogeneity chi-square of failure counts; True unless p is astronomically small."""
    total_n = sum(r[1] for r in rows)
    total_f = sum(r[2] for r in rows)
    p = total_f / total_n
    stat = sum((f - n * p) ** 2 / (n * p * (1 - p)) for _, n, f in rows)
    df = len(rows) - 1
    return stat < df + 6 * math.sqrt(2 * df)  # roughly p > 1e-5


@pytest.mark.parametrize(
    "column", ["warehouse_id", "city", "client_id % 20", "dayofweek(order_date::timestamp)"]
)
def test_null_has_no_strong_outlier(null_run: tuple[Path, Any], column: str) -> None:
    _, con = null_run
    rows = con.execute(
        f"select {column.replace('client_id', 'client_id::int')} k, count(*), "
        "sum(failed::int) from o where closed group by 1"
    ).fetchall()
    assert _chi_square_ok(rows)


def test_null_notes_unrelated_to_failure(null_run: tuple[Path, Any]) -> None:
    _, con = null_run
    rows = con.execute(
        "select coalesce(w.notes, '-'), count(*), sum(o.failed::int) from o "
        "join warehouse_logs w using (order_id) where o.closed group by 1"
    ).fetchall()
    assert _chi_square_ok(rows)
    rows = con.execute(
        "select coalesce(e.weather_condition, '-'), count(*), sum(o.failed::int) from o "
        "join external_factors e using (order_id) where o.closed group by 1"
    ).fetchall()
    assert _chi_square_ok(rows)
