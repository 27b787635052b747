"""``dfras alerts``: list, acknowledge and resolve alerts; manage rules and channels;
evaluate now; inspect the delivery outbox. ``dfras monitor`` (cli/monitor.py) runs the schedule.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer

from dfras.cli.app import FormatOption, app, open_store, path_arg
from dfras.cli.output import Format, console, emit, print_table
from dfras.cli.scope_options import (
    CityOpt,
    ClientOpt,
    DriverOpt,
    PartnerOpt,
    RouteOpt,
    StateOpt,
    WarehouseOpt,
)

alerts_app = typer.Typer(
    help="Alerts: list (filter by state/severity), ack, resolve; rules, channels, evaluate.",
    invoke_without_command=True,
)
rules_app = typer.Typer(
    help="Alert rules: add, list, remove, load from a file.", no_args_is_help=True
)
channels_app = typer.Typer(
    help="Notification channels: webhook, slack, smtp.", no_args_is_help=True
)
alerts_app.add_typer(rules_app, name="rules")
alerts_app.add_typer(channels_app, name="channels")
app.add_typer(alerts_app, name="alerts")

ByOpt = typer.Option(None, "--by", help="Who is acting (default: the login name).")


def _actor(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def _alert_row(a: Any) -> dict[str, Any]:
    return {
        "id": a.alert_id,
        "state": a.state,
        "severity": a.severity,
        "rule": a.rule_name,
        "title": a.title,
        "first seen": f"{a.first_seen:%Y-%m-%d %H:%M}",
        "last seen": f"{a.last_seen:%Y-%m-%d %H:%M}",
        "seen": a.occurrences,
    }


@alerts_app.callback()
def alerts(
    ctx: typer.Context,
    state: list[str] | None = typer.Option(
        None, "--state", "-s", help="open, acknowledged or resolved (repeat for several)."
    ),
    severity: list[str] | None = typer.Option(
        None, "--severity", help="low, medium, high or critical (repeat for several)."
    ),
    rule: str | None = typer.Option(None, "--rule", help="Only this rule's alerts (name or id)."),
    limit: int = typer.Option(50, "--limit", help="At most this many, newest first."),
    fmt: Format = FormatOption,
) -> None:
    """Alerts, newest first (without a subcommand); see the subcommands to act on them."""
    if ctx.invoked_subcommand is not None:
        return
    from dfras.alerts.lifecycle import list_alerts

    store = open_store()
    try:
        found = list_alerts(store, states=state, severities=severity, rule=rule, limit=limit)
    finally:
        store.close()
    rows = [_alert_row(a) for a in found]
    if fmt != Format.table:
        emit([a.to_dict() for a in found], fmt, rows=rows)
        return
    if not rows:
        console.print(
            "No alerts" + (" matching those filters." if state or severity or rule else ".")
        )
        return
    print_table(rows, title="Alerts")


@alerts_app.command("show")
def show(alert_id: int = typer.Argument(..., help="Alert id."), fmt: Format = FormatOption) -> None:
    """One alert with its figures, history and deliveries."""
    from dfras.alerts.lifecycle import get_alert, history
    from dfras.alerts.outbox import list_deliveries

    store = open_store()
    try:
        alert = get_alert(store, alert_id)
        events = history(store, alert_id)
        deliveries = list_deliveries(store, alert_id=alert_id)
    finally:
        store.close()
    data = {"alert": alert.to_dict(), "history": events, "deliveries": deliveries}
    if fmt != Format.table:
        emit(data, fmt, rows=events)
        return
    console.print(
        f"[bold]#{alert.alert_id} [{alert.severity}] {alert.rule_name}[/] — {alert.state}"
    )
    console.print(alert.title, highlight=False)
    print_table([{"figure": k, "value": v} for k, v in alert.figures.items()], title="Figures")
    print_table(events, title="History")
    if deliveries:
        print_table(deliveries, title="Deliveries")


@alerts_app.command("ack")
def ack(
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str | None = ByOpt,
    note: str | None = typer.Option(None, "--note", help="Why, or what is being done."),
    fmt: Format = FormatOption,
) -> None:
    """Acknowledge an open alert: seen and being handled (it stays until resolved)."""
    from dfras.alerts.lifecycle import acknowledge

    store = open_store()
    try:
        alert = acknowledge(store, alert_id, by=_actor(by), note=note)
    finally:
        store.close()
    emit(alert.to_dict(), fmt, rows=[_alert_row(alert)], title="Acknowledged")


@alerts_app.command("resolve")
def resolve(
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str | None = ByOpt,
    note: str | None = typer.Option(None, "--note", help="What fixed it."),
    fmt: Format = FormatOption,
) -> None:
    """Resolve an alert; if the rule still sees the problem, its next evaluation re-opens it."""
    from dfras.alerts.lifecycle import resolve as _resolve

    store = open_store()
    try:
        alert = _resolve(store, alert_id, by=_actor(by), note=note)
    finally:
        store.close()
    emit(alert.to_dict(), fmt, rows=[_alert_row(alert)], title="Resolved")


def _rule_result_rows(report: Any) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.rule,
            "kind": r.kind,
            "status": r.status,
            "firing": r.firing,
            "opened": len(r.opened),
            "updated": len(r.updated),
            "resolved": len(r.resolved),
            "note": r.reason,
        }
        for r in report.rules
    ]


@alerts_app.command("evaluate")
def evaluate(
    deliver: bool = typer.Option(
        True, "--deliver/--no-deliver", help="Also send the notifications that are due."
    ),
    fmt: Format = FormatOption,
) -> None:
    """Evaluate every enabled rule now (and deliver what is due)."""
    from dfras.alerts.service import evaluate as _evaluate
    from dfras.alerts.service import tick

    store = open_store()
    try:
        report = tick(store) if deliver else _evaluate(store)
    finally:
        store.close()
    rows = _rule_result_rows(report)
    if fmt != Format.table:
        emit(report.to_dict(), fmt, rows=rows)
        return
    if not rows:
        console.print("No enabled alert rules: add one with `dfras alerts rules add`.")
        return
    print_table(rows, title="Alert evaluation")
    if report.delivery:
        d = report.delivery
        console.print(
            f"deliveries: {len(d.delivered)} sent, {len(d.retrying)} to retry, {len(d.failed)} given up"
        )


@alerts_app.command("deliveries")
def deliveries(
    status: str | None = typer.Option(
        None, "--status", help="pending, delivered, failed or cancelled."
    ),
    retry: bool = typer.Option(
        False, "--retry", help="Queue every given-up notification again, due now."
    ),
    limit: int = typer.Option(100, "--limit", help="At most this many, newest first."),
    fmt: Format = FormatOption,
) -> None:
    """The delivery outbox: each notification's channel, status, attempts and last error."""
    from dfras.alerts.outbox import list_deliveries, retry_failed

    store = open_store()
    try:
        if retry:
            console.print(f"{retry_failed(store)} notification(s) queued again")
        rows = list_deliveries(store, status=status, limit=limit)
    finally:
        store.close()
    emit(rows, fmt, rows=rows, title="Deliveries")


# -- rules ------------------------------------------------------------------------------------


@rules_app.command("add")
def rules_add(
    name: str = typer.Argument(..., help="Rule name (adding an existing name replaces it)."),
    kind: str = typer.Option(..., "--kind", help="threshold, pattern, quality_drop or at_risk."),
    severity: str = typer.Option("medium", "--severity", help="low, medium, high or critical."),
    outcome: str | None = typer.Option(
        None, "--outcome", help="threshold: failure, late or return; pattern: outcome filter."
    ),
    metric: str | None = typer.Option(None, "--metric", help="threshold: rate or count."),
    above: float | None = typer.Option(
        None, "--above", help="threshold: fire above this rate (0–1) or count."
    ),
    period: str | None = typer.Option(
        None, "--period", help="threshold: window relative to the data's as-of day."
    ),
    min_volume: int | None = typer.Option(
        None, "--min-volume", help="threshold: fewest orders in the rate to judge it."
    ),
    group_by: str | None = typer.Option(
        None, "--group-by", help="threshold: one alert per value (warehouse_id, driver_id …)."
    ),
    basis: str | None = typer.Option(
        None, "--basis", help="threshold: lower (Wilson lower bound, default) or point."
    ),
    pattern_type: str | None = typer.Option(
        None, "--pattern-type", help="pattern: Anomaly, Trend, Seasonal or Recurring."
    ),
    min_confidence: float | None = typer.Option(None, "--min-confidence", help="pattern: 0–1."),
    entity_column: str | None = typer.Option(None, "--entity-column", help="pattern: entity."),
    entity_value: str | None = typer.Option(None, "--entity-value", help="pattern: its value."),
    recent_days: int | None = typer.Option(
        None, "--recent-days", help="pattern: only windows ending this recently."
    ),
    floor: float | None = typer.Option(None, "--floor", help="quality_drop: lowest score."),
    drop: float | None = typer.Option(None, "--drop", help="quality_drop: largest fall in points."),
    probability: float | None = typer.Option(
        None, "--probability", help="at_risk: predicted risk at or above this."
    ),
    count: int | None = typer.Option(None, "--count", help="at_risk: fire at this many orders."),
    channel: list[str] | None = typer.Option(
        None, "--channel", help="Send to this channel (repeat; default: every channel)."
    ),
    description: str = typer.Option("", "--description", help="What the rule is for."),
    city: list[str] | None = CityOpt,
    state: list[str] | None = StateOpt,
    client: list[int] | None = ClientOpt,
    warehouse: list[int] | None = WarehouseOpt,
    driver: list[int] | None = DriverOpt,
    partner: list[str] | None = PartnerOpt,
    route: list[str] | None = RouteOpt,
    fmt: Format = FormatOption,
) -> None:
    """Add (or replace) an alert rule."""
    from dfras.alerts.rules import build_rule, save_rule

    scope = {
        k: v
        for k, v in {
            "city": city,
            "state": state,
            "client_id": client,
            "warehouse_id": warehouse,
            "driver_id": driver,
            "partner_company": partner,
            "route_code": route,
        }.items()
        if v
    }
    given = {
        "outcome": outcome,
        "metric": metric,
        "above": above,
        "period": period,
        "min_volume": min_volume,
        "group_by": group_by,
        "basis": basis,
        "pattern_type": pattern_type,
        "min_confidence": min_confidence,
        "entity_column": entity_column,
        "entity_value": entity_value,
        "recent_days": recent_days,
        "floor": floor,
        "drop": drop,
        "probability": probability,
        "count": count,
        "scope": scope or None,
    }
    rule = build_rule(
        name=name,
        kind=kind,
        severity=severity,
        params={k: v for k, v in given.items() if v is not None},
        channels=channel,
        description=description,
    )
    store = open_store()
    try:
        save_rule(store, rule)
    finally:
        store.close()
    emit(rule.to_dict(), fmt, rows=[_rule_row(rule)], title="Rule saved")


def _rule_row(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "severity": rule.severity,
        "enabled": rule.enabled,
        "settings": rule.params,
        "channels": ", ".join(rule.channels) or "(all)",
    }


@rules_app.command("list")
def rules_list(fmt: Format = FormatOption) -> None:
    """Every alert rule with its settings."""
    from dfras.alerts.rules import list_rules

    store = open_store()
    try:
        found = list_rules(store)
    finally:
        store.close()
    emit([r.to_dict() for r in found], fmt, rows=[_rule_row(r) for r in found], title="Alert rules")


@rules_app.command("remove")
def rules_remove(
    name: str = typer.Argument(..., help="Rule name or id."),
    by: str | None = ByOpt,
    fmt: Format = FormatOption,
) -> None:
    """Remove a rule: its open alerts are resolved; alerts and history are kept."""
    from dfras.alerts.rules import remove_rule

    store = open_store()
    try:
        rule = remove_rule(store, name, by=_actor(by))
    finally:
        store.close()
    emit(rule.to_dict(), fmt, rows=[_rule_row(rule)], title="Rule removed")


@rules_app.command("enable")
def rules_enable(
    name: str = typer.Argument(..., help="Rule name or id."),
    off: bool = typer.Option(False, "--off", help="Disable instead."),
    fmt: Format = FormatOption,
) -> None:
    """Enable (or with --off disable) a rule."""
    from dfras.alerts.rules import set_enabled

    store = open_store()
    try:
        rule = set_enabled(store, name, not off)
    finally:
        store.close()
    emit(rule.to_dict(), fmt, rows=[_rule_row(rule)], title="Rule updated")


@rules_app.command("load")
def rules_load(
    path: Path = typer.Argument(..., callback=path_arg, help="A YAML or TOML rules file."),
    fmt: Format = FormatOption,
) -> None:
    """Add or replace the channels and rules a file defines (all valid, or nothing is saved)."""
    from dfras.alerts.channels import save_channel
    from dfras.alerts.rulefile import read_rule_file
    from dfras.alerts.rules import save_rule

    rules, channels = read_rule_file(path)
    store = open_store()
    try:
        with store.transaction():
            for c in channels:
                save_channel(store, c)
            for r in rules:
                save_rule(store, r)
    finally:
        store.close()
    emit(
        {"rules": [r.to_dict() for r in rules], "channels": [c.to_dict() for c in channels]},
        fmt,
        rows=[_rule_row(r) for r in rules],
        title=f"Loaded {len(rules)} rule(s) and {len(channels)} channel(s) from {path.name}",
    )


# -- channels ---------------------------------------------------------------------------------


@channels_app.command("add")
def channels_add(
    name: str = typer.Argument(..., help="Channel name (adding an existing name replaces it)."),
    type: str = typer.Option(..., "--type", help="webhook, slack or smtp."),
    url: str | None = typer.Option(
        None, "--url", help="webhook/slack: the URL to POST to (or env:NAME / file:PATH)."
    ),
    secret: str | None = typer.Option(
        None, "--secret", help="webhook: signing secret as env:NAME or file:PATH."
    ),
    host: str | None = typer.Option(None, "--host", help="smtp: server host."),
    port: int | None = typer.Option(None, "--port", help="smtp: server port."),
    sender: str | None = typer.Option(None, "--sender", help="smtp: From address."),
    to: list[str] | None = typer.Option(None, "--to", help="smtp: recipient (repeat)."),
    username: str | None = typer.Option(None, "--username", help="smtp: login name."),
    password: str | None = typer.Option(
        None, "--password", help="smtp: password as env:NAME or file:PATH."
    ),
    security: str | None = typer.Option(None, "--security", help="smtp: none, starttls or ssl."),
    min_severity: str = typer.Option(
        "low", "--min-severity", help="Only alerts at least this severe."
    ),
    fmt: Format = FormatOption,
) -> None:
    """Add (or replace) a channel; secrets are references, never values."""
    from dfras.alerts.channels import build_channel, save_channel

    given = {
        "url": url,
        "secret": secret,
        "host": host,
        "port": port,
        "sender": sender,
        "to": to,
        "username": username,
        "password": password,
        "security": security,
    }
    channel = build_channel(
        name=name,
        type=type,
        config={k: v for k, v in given.items() if v},
        min_severity=min_severity,
    )
    store = open_store()
    try:
        save_channel(store, channel)
    finally:
        store.close()
    emit(channel.to_dict(), fmt, rows=[_channel_row(channel)], title="Channel saved")


def _channel_row(c: Any) -> dict[str, Any]:
    return {
        "name": c.name,
        "type": c.type,
        "min severity": c.min_severity,
        "enabled": c.enabled,
        "config": c.config,
    }


@channels_app.command("list")
def channels_list(fmt: Format = FormatOption) -> None:
    """Every channel (secret references shown, secret values never)."""
    from dfras.alerts.channels import list_channels

    store = open_store()
    try:
        found = list_channels(store)
    finally:
        store.close()
    emit([c.to_dict() for c in found], fmt, rows=[_channel_row(c) for c in found], title="Channels")


@channels_app.command("remove")
def channels_remove(
    name: str = typer.Argument(..., help="Channel name or id."), fmt: Format = FormatOption
) -> None:
    """Remove a channel; its pending notifications are cancelled."""
    from dfras.alerts.channels import remove_channel

    store = open_store()
    try:
        channel = remove_channel(store, name)
    finally:
        store.close()
    emit(channel.to_dict(), fmt, rows=[_channel_row(channel)], title="Channel removed")


@channels_app.command("test")
def channels_test(
    name: str = typer.Argument(..., help="Channel name or id."), fmt: Format = FormatOption
) -> None:
    """Send a test notification over a channel now (not queued, not retried)."""
    from dfras.alerts.channels import find_channel
    from dfras.alerts.outbox import send_test
    from dfras.alerts.senders import DeliveryFailed
    from dfras.domain.errors import UserError

    store = open_store()
    try:
        channel = find_channel(store, name)
    finally:
        store.close()
    try:
        receipt = send_test(channel)
    except DeliveryFailed as exc:
        raise UserError(f"channel {channel.name!r}: {exc}") from exc
    emit(
        {"channel": channel.name, "receipt": receipt},
        fmt,
        rows=[{"channel": channel.name, "receipt": receipt}],
        title="Test sent",
    )
