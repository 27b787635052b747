"""``dfras simulate SCENARIO``: what-if Monte Carlo against today's baseline, and backtests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dfras.cli.app import FormatOption, app, open_store
from dfras.cli.output import Format, console, emit, print_table
from dfras.domain.errors import UserError

if TYPE_CHECKING:
    from dfras.simulate.scenarios import Scenario

simulate_app = typer.Typer(
    help="What-if simulation: a new client, a festival or weather period, a partner move, a "
    "capacity or cause-rate change; Monte Carlo against today's baseline, with mitigations.",
    no_args_is_help=True,
)
app.add_typer(simulate_app, name="simulate")

RunsOpt = typer.Option(10_000, "--runs", help="Monte Carlo runs.")
SeedOpt = typer.Option(1, "--seed", help="Random seed (same seed, same result).")
StartOpt = typer.Option(None, "--start", help="First simulated day, YYYY-MM-DD (default: the "
                        "day after the data's last order day, or the period's start).")  # fmt: skip
DaysOpt = typer.Option(
    None, "--days", help="Days simulated (default 30, or the period and the week after it)."
)
CalendarOpt = typer.Option(
    None, "--calendar", help="A YAML calendar of festivals and holidays (see docs/simulation.md)."
)
SaveOpt = typer.Option(True, "--save/--no-save", help="Store the scenario and its results.")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from exc


def _run(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    start: str | None,
    days: int | None,
    calendar: Path | None,
    save: bool,
    fmt: Format,
) -> None:
    from dfras.simulate.service import simulate

    store = open_store()
    try:
        with console.status(f"simulating {runs:,} runs…", spinner="dots"):
            sim = simulate(
                store,
                scenario,
                runs=runs,
                seed=seed,
                start=_day(start, "--start"),
                days=days,
                calendar=calendar,
                save=save,
            )
    finally:
        store.close()
    data = sim.to_dict()
    rows = _city_rows(data)
    if fmt != Format.table:
        emit(data, fmt, rows=rows)
        return
    console.print(sim.narrative, highlight=False)
    print_table(rows, title="By city: scenario mean [90% interval] (change against today)")
    if sim.capacity:
        print_table(
            [
                {
                    "warehouse": c["warehouse_id"],
                    "city": c["city"],
                    "capacity/day": c["capacity_per_day"],
                    "p(over)": c["p_over_capacity"],
                    "p(over) today": c["p_over_capacity_baseline"],
                    "days over (median)": c["over_capacity_days"]["p50"],
                    "from": c["first_over_day"],
                }
                for c in sim.capacity[:15]
            ],
            title="Warehouses over capacity",
        )
    if sim.mitigations:
        print_table(
            [
                {
                    "mitigation": m["name"],
                    "failed+late avoided": m["avoided_mean"],
                    "90% interval": f"{m['avoided_p05']:,.0f} to {m['avoided_p95']:,.0f}",
                    "still over capacity": ", ".join(map(str, m["still_over_capacity"])) or "-",
                }
                for m in sim.mitigations
            ],
            title="Mitigations, ranked by simulated effect",
        )
    console.print(f"scenario {sim.scenario_id} ({sim.seconds:.1f} s)", highlight=False)


def _city_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for r in data["summary"]["by_city"]:
        row: dict[str, Any] = {"city": r["name"]}
        for s in ("orders", "failed", "returned", "late"):
            v = r[s]
            row[s] = f"{v['mean']:,.0f} [{v['p05']:,.0f}–{v['p95']:,.0f}] ({v['delta_mean']:+,.0f})"
        rows.append(row)
    return rows


@simulate_app.command("new-client")
def new_client(
    monthly_orders: int = typer.Option(..., "--monthly-orders", help="Orders a month."),
    city: list[str] | None = typer.Option(
        None, "--city", help="City, or CITY:SHARE (repeatable; default: today's city mix)."
    ),
    cod_share: float | None = typer.Option(None, "--cod-share", help="Share paid COD (0–1)."),
    client_start: str | None = typer.Option(
        None, "--client-start", help="First day the client ships (default: the first day)."
    ),
    name: str = typer.Option("new client", "--name", help="The client's name."),
    runs: int = RunsOpt,
    seed: int = SeedOpt,
    start: str | None = StartOpt,
    days: int | None = DaysOpt,
    calendar: Path | None = CalendarOpt,
    save: bool = SaveOpt,
    fmt: Format = FormatOption,
) -> None:
    """A new client's volume: orders a month, city mix, payment mix, start date."""
    from dfras.simulate.scenarios import NewClient

    cities: dict[str, float] = {}
    for c in city or []:
        label, _, share = c.partition(":")
        try:
            cities[label.strip()] = float(share) if share else 1.0
        except ValueError as exc:
            raise UserError(f"--city {c!r}: the share after ':' is not a number") from exc
    scenario = NewClient(
        monthly_orders=monthly_orders,
        cities=cities,
        cod_share=cod_share,
        start=_day(client_start, "--client-start"),
        name=name,
    )
    _run(scenario, runs=runs, seed=seed, start=start, days=days, calendar=calendar, save=save,
         fmt=fmt)  # fmt: skip


def _period(
    kind: str, name: str | None, start: str | None, end: str | None, calendar: Path | None
) -> tuple[date, date, str, float | None]:
    """The period's days: --start/--end, or the next calendar festival named --name."""
    s, e = _day(start, "--start"), _day(end, "--end")
    if s is not None:
        return s, e or s, name or "", None
    if kind != "festival":
        raise UserError("give the period with --start (and --end)")
    from dfras.simulate.calendar import Calendar

    store = open_store(read_only=True)
    try:
        last = store.fetchall("SELECT max(order_day) FROM delivery_fact")[0][0]
    finally:
        store.close()
    if last is None:
        raise UserError("the store holds no orders", hint="import data first: dfras ingest PATH")
    cal = Calendar.load(calendar, years=[last.year, last.year + 1])
    ev = cal.find(name, after=last)
    return ev.start, ev.end, ev.name, ev.uplift


@simulate_app.command("festival")
def festival(
    name: str | None = typer.Option(
        None, "--name", help="A festival in the calendar (e.g. Diwali): its next occurrence."
    ),
    period_start: str | None = typer.Option(None, "--from", help="First festival day."),
    period_end: str | None = typer.Option(None, "--to", help="Last festival day."),
    uplift: float | None = typer.Option(
        None, "--uplift", help="Volume multiplier on festival days (default: fitted)."
    ),
    runs: int = RunsOpt,
    seed: int = SeedOpt,
    days: int | None = DaysOpt,
    calendar: Path | None = CalendarOpt,
    save: bool = SaveOpt,
    fmt: Format = FormatOption,
) -> None:
    """A festival period: volume uplift and outcome rates of festival days, fitted on history."""
    from dfras.simulate.scenarios import Period

    s, e, label, cal_uplift = _period("festival", name, period_start, period_end, calendar)
    scenario = Period(start=s, end=e, event="Festival", uplift=uplift or cal_uplift, name=label)
    _run(scenario, runs=runs, seed=seed, start=None, days=days, calendar=calendar, save=save,
         fmt=fmt)  # fmt: skip


@simulate_app.command("weather")
def weather(
    condition: str = typer.Option("Rain", "--condition", help="Rain, Storm or Fog."),
    period_start: str = typer.Option(..., "--from", help="First day."),
    period_end: str | None = typer.Option(None, "--to", help="Last day."),
    uplift: float | None = typer.Option(None, "--uplift", help="Volume multiplier."),
    runs: int = RunsOpt,
    seed: int = SeedOpt,
    days: int | None = DaysOpt,
    save: bool = SaveOpt,
    fmt: Format = FormatOption,
) -> None:
    """A weather period: the outcome rates of orders under that weather, fitted on history."""
    from dfras.simulate.scenarios import Period

    s, e, _, _ = _period("weather", None, period_start, period_end, None)
    scenario = Period(
        start=s, end=e, event=condition, condition_column="weather_condition", uplift=uplift
    )
    _run(scenario, runs=runs, seed=seed, start=None, days=days, calendar=None, save=save, fmt=fmt)


@simulate_app.command("move-partner")
def move_partner(
    source: str = typer.Option(..., "--from", help="Partner whose orders move."),
    target: str = typer.Option(..., "--to", help="Partner that takes them."),
    share: float = typer.Option(1.0, "--share", help="Share moved (0–1]."),
    city: list[str] | None = typer.Option(None, "--city", help="Only in these cities."),
    runs: int = RunsOpt,
    seed: int = SeedOpt,
    start: str | None = StartOpt,
    days: int | None = DaysOpt,
    save: bool = SaveOpt,
    fmt: Format = FormatOption,
) -> None:
    """A partner's volume moved to another partner."""
    from dfras.simulate.scenarios import MovePartner

    scenario = MovePartner(source=source, target=target, share=share, cities=list(city or []))
    _run(scenario, runs=runs, seed=seed, start=start, days=days, calendar=None, save=save,
         fmt=fmt)  # fmt: skip


@simulate_app.command("capacity")
def capacity(
    warehouse: int = typer.Option(..., "--warehouse", help="Warehouse id."),
    change: str = typer.Option(..., "--change", help="Capacity change, e.g. +20% or -0.1."),
    runs: int = RunsOpt,
    seed: int = SeedOpt,
    start: str | None = StartOpt,
    days: int | None = DaysOpt,
    save: bool = SaveOpt,
    fmt: Format = FormatOption,
) -> None:
    """A warehouse's daily capacity changed."""
    from dfras.simulate.scenarios import Capacity

    text = change.strip()
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError as exc:
        raise UserError(f"--change {change!r}: expected e.g. +20% or 0.2") from exc
    _run(Capacity(warehouse=warehouse, change=value), runs=runs, seed=seed, start=start,
         days=days, calendar=None, save=save, fmt=fmt)  # fmt: skip


@simulate_app.command("cause-rate")
def cause_rate(
    cause: str = typer.Option(..., "--cause", help='A failure cause, e.g. "Address not found".'),
    factor: float = typer.Option(..., "--factor", help="Multiplier of its rate, e.g. 0.5."),
    runs: int = RunsOpt,
    seed: int = SeedOpt,
    start: str | None = StartOpt,
    days: int | None = DaysOpt,
    save: bool = SaveOpt,
    fmt: Format = FormatOption,
) -> None:
    """A cause's failure rate changed (e.g. address failures halved by verification)."""
    from dfras.simulate.scenarios import CauseRate

    _run(CauseRate(cause=cause, factor=factor), runs=runs, seed=seed, start=start, days=days,
         calendar=None, save=save, fmt=fmt)  # fmt: skip


@simulate_app.command("backtest")
def backtest(
    until: str = typer.Option(..., "--until", help="Fit on orders before this day."),
    months: int = typer.Option(1, "--months", min=1, help="Successive months to test."),
    runs: int = typer.Option(2000, "--runs", help="Monte Carlo runs per month."),
    seed: int = SeedOpt,
    fmt: Format = FormatOption,
) -> None:
    """Fit before --until, simulate the next month(s), check the 90% intervals against what
    happened, per city: orders, failed, returned, late."""
    from dfras.simulate.backtest import backtest as run

    day = _day(until, "--until")
    assert day is not None
    store = open_store(read_only=True)
    try:
        result = run(store, until=day, months=months, runs=runs, seed=seed)
    finally:
        store.close()
    data = result.to_dict()
    rows = [
        {"month": m["start"], **{k: c[k] for k in ("city", "statistic", "actual", "mean")},
         "interval": f"{c['p05']:,.0f}–{c['p95']:,.0f}", "inside": c["inside"]}
        for m in data["months"] for c in m["cells"]
    ]  # fmt: skip
    if fmt != Format.table:
        emit(data, fmt, rows=rows)
        return
    print_table(rows, title="Backtest: actual against the 90% interval")
    console.print(
        f"coverage {result.coverage:.1%} of {result.cells} (month, city, statistic) cells "
        "(target about 90%); by statistic: "
        + ", ".join(f"{k} {v:.0%}" for k, v in result.by_statistic.items()),
        highlight=False,
    )


@simulate_app.command("list")
def list_(fmt: Format = FormatOption) -> None:
    """Stored simulations, newest first."""
    from dfras.simulate.storage import list_simulations

    store = open_store(read_only=True)
    try:
        rows = list_simulations(store)
    finally:
        store.close()
    emit(rows, fmt, rows=rows, title="Stored simulations")
