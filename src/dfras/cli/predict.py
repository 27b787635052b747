"""``dfras model train|list|show`` and ``dfras predict``: the failure-risk model of open orders."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from dfras.cli.app import FormatOption, app, open_store
from dfras.cli.output import Format, console, emit, print_table
from dfras.cli.scope_options import (
    AsOfOpt,
    CityOpt,
    ClientOpt,
    DateFieldOpt,
    DriverOpt,
    EndOpt,
    PartnerOpt,
    PeriodOpt,
    RouteOpt,
    ScopeArgs,
    StartOpt,
    StateOpt,
    WarehouseOpt,
    build_scope,
)
from dfras.domain.errors import UserError

model_app = typer.Typer(help="Train, list and show failure-risk models.", no_args_is_help=True)
app.add_typer(model_app, name="model")

_METRIC_COLUMNS = (
    "split",
    "orders",
    "failures",
    "auc",
    "auc_low",
    "auc_high",
    "brier",
    "log_loss",
    "calibration_error",
    "precision_top5",
    "recall_top5",
    "precision_top10",
    "recall_top10",
)


@model_app.command("train")
def train(
    until: str | None = typer.Option(
        None, "--until", help="Train on orders placed before this day, YYYY-MM-DD (default: all)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (recorded with the model)."),
    fmt: Format = FormatOption,
) -> None:
    """Train a failure-risk model on closed orders (time-based split) and register it."""
    from dfras.predict.service import train_model

    cut = _day(until, "--until") if until else None
    store = open_store()
    try:
        with console.status("training the failure-risk model…"):
            result = train_model(store, until=cut, seed=seed)
    finally:
        store.close()
    data = result.to_dict()
    if fmt != Format.table:
        emit(data, fmt, rows=_metric_rows(data))
        return
    _print_model(data)
    console.print(f"trained in {result.seconds:.1f} s")


@model_app.command("list")
def list_cmd(fmt: Format = FormatOption) -> None:
    """Every registered model version with its test figures."""
    from dfras.predict.service import list_models

    store = open_store()
    try:
        models = list_models(store)
    finally:
        store.close()
    rows = []
    for m in models:
        test = m.metrics.get("test", {})
        rows.append(
            {
                "model_version": m.model_version,
                "status": m.status,
                "created_at": m.created_at,
                "data_end": m.data_end,
                "seed": m.seed,
                "has_signal": m.has_signal,
                "test_auc": test.get("auc"),
                "test_calibration_error": test.get("calibration_error"),
            }
        )
    if fmt == Format.json:
        emit([m.to_dict() for m in models], fmt)
        return
    emit(rows, fmt, rows=rows, title="Failure-risk models")
    if not rows and fmt == Format.table:
        console.print("no model yet: run `dfras model train`")


@model_app.command("show")
def show(
    version: str | None = typer.Argument(None, help="Version (v3 or 3); default the active one."),
    fmt: Format = FormatOption,
) -> None:
    """One model version: data range, split, metrics per split, global feature importance."""
    from dfras.predict.service import show_model

    store = open_store()
    try:
        record = show_model(store, version)
    finally:
        store.close()
    data = record.to_dict()
    if fmt != Format.table:
        emit(data, fmt, rows=_metric_rows(data))
        return
    _print_model(data)


@app.command()
def predict(
    city: list[str] | None = CityOpt,
    state: list[str] | None = StateOpt,
    client: list[int] | None = ClientOpt,
    warehouse: list[int] | None = WarehouseOpt,
    driver: list[int] | None = DriverOpt,
    partner: list[str] | None = PartnerOpt,
    route: list[str] | None = RouteOpt,
    period: str | None = PeriodOpt,
    start: str | None = StartOpt,
    end: str | None = EndOpt,
    date_field: str = DateFieldOpt,
    as_of: str | None = AsOfOpt,
    top: int = typer.Option(20, "--top", help="How many orders to list (riskiest first)."),
    min_probability: float = typer.Option(
        0.0, "--min-probability", help="Only orders at least this likely to fail (0–1)."
    ),
    fmt: Format = FormatOption,
) -> None:
    """Open orders (Pending, In-Transit) at risk of failing, with the factors behind each."""
    from dfras.analysis.explain import default_as_of
    from dfras.predict.service import predict_open

    if not 0 <= min_probability <= 1:
        raise UserError("--min-probability must be between 0 and 1")
    if top < 1:
        raise UserError("--top must be at least 1")
    args = ScopeArgs(
        city,
        state,
        client,
        warehouse,
        driver,
        partner,
        route,
        period,
        start,
        end,
        date_field,
        as_of,
    )
    store = open_store()
    try:
        scope = build_scope(args, default_as_of=default_as_of(store))
        report = predict_open(store, scope=scope, top=top, min_probability=min_probability)
    finally:
        store.close()
    rows = [
        {
            **{k: v for k, v in o.to_dict().items() if k != "top_factors"},
            "top_factors": "; ".join(
                f"{f.feature} = {f.value} (+{f.contribution:.2f})" for f in o.top_factors
            ),
        }
        for o in report.orders
    ]
    if fmt != Format.table:
        emit(report.to_dict(), fmt, rows=rows)
        return
    colour = "green" if report.has_signal else "yellow"
    console.print(f"[{colour}]{report.message}[/]", highlight=False)
    title = (
        f"Open orders at risk ({report.scope}; model {report.model_version})"
        if report.has_signal
        else f"Open orders, not ranked: base failure rate {report.base_rate:.1%} for each "
        f"({report.scope}; model {report.model_version})"
    )
    print_table(
        rows,
        title=title,
        columns=["order_id", "status", "order_date", "city", "probability", "top_factors"],
    )
    console.print(
        f"{len(rows):,} of {report.open_orders:,} open orders shown; probabilities are calibrated "
        "failure chances, factors are contributions to the log-odds"
    )


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"{option} {text!r} is not a date", hint="write YYYY-MM-DD") from exc


def _metric_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"split": k, **{c: v.get(c) for c in _METRIC_COLUMNS[1:]}}
        for k, v in data["metrics"].items()
    ]


def _print_model(data: dict[str, Any]) -> None:
    colour = "green" if data["has_signal"] else "yellow"
    console.print(
        f"[bold]{data['model_name']} {data['model_version']}[/] ({data['status']}), orders "
        f"{str(data['data_start'])[:10]} to {str(data['data_end'])[:10]}, seed {data['seed']}; "
        f"validation from {data['splits']['validation_from']}, test from "
        f"{data['splits']['test_from']}",
        highlight=False,
    )
    console.print(f"[{colour}]{data['summary']}[/]", highlight=False)
    print_table(
        _metric_rows(data),
        title="Metrics per split (AUC with 95% CI low; ECE = calibration error)",
        columns=[
            "split",
            "orders",
            "failures",
            "auc",
            "auc_low",
            "brier",
            "calibration_error",
            "precision_top10",
            "recall_top10",
        ],
    )
    for view, rows in data["importance"].items():
        print_table(
            [{"feature": r["label"], "share of gain": r["share"]} for r in rows[:10]],
            title=f"Global feature importance ({view} view)",
        )
