"""The question parser: intents, outcomes, names (misspelt too), periods, and clear errors.

Every case runs against a small in-memory catalogue on a fixed as-of day (Friday 2025-09-12,
the sample data's latest order day), so expected periods are exact dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dfras.ask.catalogue import EntityCatalogue
from dfras.ask.parser import Understood, parse_question
from dfras.domain.errors import UserError

AS_OF = date(2025, 9, 12)

CATALOGUE = EntityCatalogue(
    cities=["Bengaluru", "Chennai", "Coimbatore", "Mumbai", "New Delhi", "Pune", "Surat"],
    states=["Delhi", "Gujarat", "Karnataka", "Maharashtra", "Tamil Nadu"],
    clients={
        1: "Saini LLC",
        7: "Zacharia, Sarkar and Dass",
        12: "Mann Group",
        22: "Solanki Group",
        53: "Suri and Sons",
        454: "Solanki Group",
    },
    warehouses={i: f"Warehouse {i}" for i in range(1, 51)},
    partners=["BlueDart", "Delhivery", "EcomExpress", "In-house", "Shadowfax"],
    routes=[f"R{i}" for i in range(1, 101)],
    driver_ids=list(range(1, 2001)),
    event_types=["Festival", "Holiday", "Strike"],
)

YESTERDAY = ("2025-09-11", "2025-09-11")
PAST_WEEK = ("2025-09-06", "2025-09-12")
LAST_WEEK = ("2025-09-01", "2025-09-07")  # the previous Monday-to-Sunday week
AUGUST = ("2025-08-01", "2025-08-31")
JULY = ("2025-07-01", "2025-07-31")


def parse(text: str, catalogue: EntityCatalogue = CATALOGUE) -> Understood:
    return parse_question(text, as_of=AS_OF, catalogue=catalogue)


def period_of(u: Understood) -> tuple[str, str] | None:
    p = u.to_dict()["period"]
    return (p["start"], p["end"]) if p else None


# (question, intent, outcome, scope, period)
CASES: list[tuple[str, str, str, dict[str, Any], tuple[str, str] | None]] = [
    # 1. Why were deliveries delayed in city X yesterday?
    ("Why were deliveries delayed in Chennai yesterday?", "explain", "late", {"city": "Chennai"}, YESTERDAY),
    ("why were deliveries delayed in chenai yesterday", "explain", "late", {"city": "Chennai"}, YESTERDAY),
    ("Chennai deliveries were late yesterday. Why?", "explain", "late", {"city": "Chennai"}, YESTERDAY),
    ("What delayed orders in Madras yesterday?", "explain", "late", {"city": "Chennai"}, YESTERDAY),
    ("Why weren't Pune orders on time yesterday?", "explain", "late", {"city": "Pune"}, YESTERDAY),
    ("How late were deliveries in Pune yesterday?", "explain", "delay", {"city": "Pune"}, YESTERDAY),
    ("Average delay hours in Bangalore in the past 30 days", "explain", "delay", {"city": "Bengaluru"}, ("2025-08-14", "2025-09-12")),
    ("Why were deliveries delayed in New Delhi today?", "explain", "late", {"city": "New Delhi"}, ("2025-09-12", "2025-09-12")),
    # 2. Why did Client X's orders fail in the past week?
    ("Why did Saini LLC's orders fail in the past week?", "explain", "failure", {"client_id": 1}, PAST_WEEK),
    ("Why did client 12's orders fail in the past week?", "explain", "failure", {"client_id": 12}, PAST_WEEK),
    ("what caused failures for client 12 last week", "explain", "failure", {"client_id": 12}, LAST_WEEK),
    ("why did client #12 orders fail over the last 7 days", "explain", "failure", {"client_id": 12}, PAST_WEEK),
    ("Why did client saini's orders fail this week?", "explain", "failure", {"client_id": 1}, PAST_WEEK),
    ("failed orders of Mann Group in the past 7 days", "explain", "failure", {"client_id": 12}, PAST_WEEK),
    ("undelivered orders for client sainy llc in the past week", "explain", "failure", {"client_id": 1}, PAST_WEEK),
    ("Why did Suri & Sons orders fail last week?", "explain", "failure", {"client_id": 53}, LAST_WEEK),
    # 3. Explain the top reasons for delivery failures linked to Warehouse B in August.
    ("Explain the top reasons for delivery failures linked to Warehouse B in August.", "explain", "failure", {"warehouse_id": 2}, AUGUST),
    ("warehouse b in aug", "explain", "failure", {"warehouse_id": 2}, AUGUST),
    ("top failure reasons at WH-7 in August 2025", "explain", "failure", {"warehouse_id": 7}, AUGUST),
    ("why did warehouse #7 fail so much in 2025-08", "explain", "failure", {"warehouse_id": 7}, AUGUST),
    ("failures at warehouse 7 in December", "explain", "failure", {"warehouse_id": 7}, ("2024-12-01", "2024-12-31")),
    # 4. Compare delivery failure causes between City A and City B last month.
    ("Compare delivery failure causes between Mumbai and Pune last month.", "compare", "failure", {"city": "Mumbai"}, AUGUST),
    ("compare Mumbai and Pune failure causes last month", "compare", "failure", {"city": "Mumbai"}, AUGUST),
    ("Mumbai vs Pune failures in July", "compare", "failure", {"city": "Mumbai"}, JULY),
    ("failure causes between Surat and Coimbatore last month", "compare", "failure", {"city": "Surat"}, AUGUST),
    ("How do failures in chenai differ from Mumbai last month?", "compare", "failure", {"city": "Chennai"}, AUGUST),
    # 5. What are the likely causes of delivery failures during the festival period?
    ("What are the likely causes of delivery failures during the festival period, and how should we prepare?", "festival", "failure", {"event_type": "Festival"}, None),
    ("Why do orders fail during Diwali?", "festival", "failure", {"event_type": "Festival"}, None),
    ("festive season failures in Mumbai last month", "festival", "failure", {"event_type": "Festival", "city": "Mumbai"}, AUGUST),
    ("why so many returns in the holiday period?", "festival", "return", {"event_type": "Holiday"}, None),
    # rephrasings and other forms
    ("why so many returns in Surat?", "explain", "return", {"city": "Surat"}, None),
    ("RTO in Bangalore last month", "explain", "return", {"city": "Bengaluru"}, AUGUST),
    ("late deliveries in Pune between 2025-08-01 and 2025-08-15", "explain", "late", {"city": "Pune"}, ("2025-08-01", "2025-08-15")),
    ("failures with blue dart in Tamil Nadu on route 17", "explain", "failure", {"partner_company": "BlueDart", "state": "Tamil Nadu", "route_code": "R17"}, None),
    ("Shadowfax failures on R9 since 2025-09-01", "explain", "failure", {"partner_company": "Shadowfax", "route_code": "R9"}, ("2025-09-01", "2025-09-12")),
    ("driver #55 failures in the past 30 days", "explain", "failure", {"driver_id": 55}, ("2025-08-14", "2025-09-12")),
    ("failures in mumbay and chenai", "explain", "failure", {"city": ["Mumbai", "Chennai"]}, None),
    ("in-house driver failures in Maharashtra state", "explain", "failure", {"partner_company": "In-house", "state": "Maharashtra"}, None),
    ("orders may fail in Pune: why?", "explain", "failure", {"city": "Pune"}, None),
    ("failures in New Delhi in May", "explain", "failure", {"city": "New Delhi"}, ("2025-05-01", "2025-05-31")),
    ("failures on 2025-09-01", "explain", "failure", {}, ("2025-09-01", "2025-09-01")),
    ("failures from July to August", "explain", "failure", {}, ("2025-07-01", "2025-08-31")),
    ("why did orders fail in the last two weeks", "explain", "failure", {}, ("2025-08-30", "2025-09-12")),
    ("why did orders fail during strikes?", "explain", "failure", {"event_type": "Strike"}, None),
    ("why do orders fail?", "explain", "failure", {}, None),
    ("Why did orders fail in Mumbai in Q3?", "explain", "failure", {"city": "Mumbai"}, ("2025-07-01", "2025-09-30")),
    ("failures last quarter", "explain", "failure", {}, ("2025-04-01", "2025-06-30")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "intent", "outcome", "scope", "period"), CASES)
def test_questions(
    text: str, intent: str, outcome: str, scope: dict[str, Any], period: tuple[str, str] | None
) -> None:
    u = parse(text)
    assert u.intent == intent
    assert u.outcome == outcome
    assert u.to_dict()["scope"] == scope
    assert period_of(u) == period


def test_misspelt_names_are_resolved_and_said() -> None:
    u = parse("why were deliveries delayed in chenai yesterday")
    assert u.scope.conditions() == {"city": "Chennai"}
    assert any("chenai" in n and "Chennai" in n for n in u.notes)
    (match,) = u.matches
    assert match.text == "chenai" and 85 < match.score < 100


def test_warehouse_letter_is_read_as_its_alphabet_index() -> None:
    u = parse("Explain the top reasons for delivery failures linked to Warehouse B in August.")
    assert u.scope.conditions() == {"warehouse_id": 2}
    assert any("letter 2" in n for n in u.notes)


def test_the_y_of_why_is_not_a_warehouse() -> None:
    assert "warehouse_id" not in parse("why do orders fail in Pune").scope.conditions()


def test_delivered_moves_the_period_to_the_delivery_date() -> None:
    u = parse("Why were orders delivered late in Mumbai yesterday?")
    assert u.to_dict()["period"]["applies_to"] == "actual_delivery_date"
    assert any("actual_delivery_date" in n for n in u.notes)
    assert parse("failures due to weather yesterday").to_dict()["period"]["applies_to"] == (
        "order_date"
    )


def test_understood_dict_shape() -> None:
    d = parse("Why were deliveries delayed in Chennai yesterday?").to_dict()
    assert {"intent", "outcome", "scope", "period", "notes"} <= d.keys()
    assert d["period"] == {
        "start": "2025-09-11",
        "end": "2025-09-11",
        "applies_to": "order_date",
        "label": "yesterday",
    }


def test_no_period_means_the_whole_data() -> None:
    u = parse("why so many returns in Surat?")
    assert u.scope.period is None
    assert any("every order" in n for n in u.notes)


def test_compare_two_cities_shares_the_period() -> None:
    u = parse("Compare delivery failure causes between Mumbai and Pune last month.")
    assert u.compare_with is not None
    assert u.scope.conditions() == {"city": "Mumbai"}
    assert u.compare_with.conditions() == {"city": "Pune"}
    assert u.scope.period == u.compare_with.period
    sides = u.to_dict()["compare"]
    assert [s["scope"] for s in sides] == [{"city": "Mumbai"}, {"city": "Pune"}]


def test_compare_this_week_with_last_week_does_not_overlap() -> None:
    u = parse("failures this week vs last week")
    assert u.intent == "compare" and u.compare_with is not None
    assert period_of(u) == ("2025-09-06", "2025-09-12")
    b = u.compare_with.period
    assert b is not None and (str(b.start), str(b.end)) == ("2025-08-30", "2025-09-05")


def test_compare_one_warehouse_with_all_others() -> None:
    u = parse("warehouse 3 vs all others in August")
    assert u.intent == "compare" and u.compare_with is not None
    assert u.scope.conditions() == {"warehouse_id": 3}
    others = u.compare_with.filters["warehouse_id"]
    assert len(others) == 49 and 3 not in others
    assert u.compare_with.period == u.scope.period
    assert u.labels is not None and "every other warehouse (49)" in u.labels[1]


def test_compare_needs_something_to_compare() -> None:
    with pytest.raises(UserError, match="cannot tell what to compare"):
        parse("compare failures last month")


@pytest.mark.parametrize(
    "text",
    [
        "If we onboard Client Y with ~20,000 extra monthly orders, what new failure risks "
        "should we expect and how do we mitigate them?",
        "What if we take on a new client with 20k additional orders per month?",
        "Suppose we onboard Acme Retail bringing about 20,000 more orders a month: what breaks?",
        "If Saini LLC adds 20k extra orders per month, what failure risks should we expect?",
    ],
)
def test_simulation_questions(text: str) -> None:
    u = parse(text)
    assert u.intent == "simulate"
    assert u.outcome == "failure"
    assert u.simulation is not None
    assert u.simulation["extra_orders"] == 20_000
    assert u.simulation["per"] == "month"


def test_simulation_names_the_client() -> None:
    u = parse("If we onboard Client Y with ~20,000 extra monthly orders, what risks?")
    assert u.simulation is not None and u.simulation["client"] == "client Y"
    known = parse("what if Saini LLC sends 5,000 more orders a week?")
    assert known.simulation is not None
    assert (known.simulation["client_id"], known.simulation["per"]) == (1, "week")
    assert known.simulation["extra_orders"] == 5_000


def test_unknown_city_lists_the_closest_matches() -> None:
    with pytest.raises(UserError) as err:
        parse("Why were deliveries delayed in Springfield yesterday?")
    message = err.value.message
    assert "Springfield" in message and "closest matches" in message
    # three candidates, each with a score
    listed = message.split("closest matches (similarity /100): ")[1]
    assert len(listed.split(", ")) == 3
    assert all(part.rsplit(" ", 1)[1].isdigit() for part in listed.split(", "))
    assert err.value.hint


def test_unknown_client_name_lists_clients() -> None:
    with pytest.raises(UserError, match=r"no client named 'X'.*closest"):
        parse("Why did Client X's orders fail in the past week?")
    with pytest.raises(UserError, match="Acme Corp"):
        parse("Why did Acme Corp's orders fail?")


def test_ambiguous_name_lists_every_candidate() -> None:
    with pytest.raises(UserError) as err:
        parse("Why did Solanki Group's orders fail last month?")
    assert "more than one" in err.value.message
    assert "client 22" in err.value.message and "client 454" in err.value.message
    assert err.value.hint and "client 22" in err.value.hint


def test_ambiguous_misspelling_is_an_error() -> None:
    twins = EntityCatalogue(cities=["Rajkot", "Rajgot"])
    with pytest.raises(UserError, match="more than one"):
        parse("failures in Rajcot", twins)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("why did client 9999 orders fail?", "no client 9999"),
        ("failures at warehouse 77", "no warehouse 77"),
        ("failures of driver 5000", "no driver 5000"),
        ("failures on route R500", "no route R500"),
    ],
)
def test_unknown_ids(text: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        parse(text)


def test_bad_dates_are_errors() -> None:
    with pytest.raises(UserError, match="bad date"):
        parse("failures on 2025-02-30")
    with pytest.raises(UserError, match="ends before it starts"):
        parse("failures between 2025-08-15 and 2025-08-01")


def test_catalogue_closest_scores() -> None:
    hits = CATALOGUE.closest("chenai", kinds=("city",))
    assert hits[0][0].value == "Chennai" and hits[0][1] > 90
    assert [e.value for e in CATALOGUE.exact("blue dart")] == ["BlueDart"]
    assert [e.value for e in CATALOGUE.exact("inhouse")] == ["In-house"]
    assert {e.value for e in CATALOGUE.exact("solanki group")} == {22, 454}
