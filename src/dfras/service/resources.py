"""Bodies of the pattern, alert, prediction and simulation resources.

Top-level fields are typed; nested results (a detection's metrics, a simulation's breakdowns,
a model's metrics) are JSON objects documented in docs/patterns.md, docs/alerts.md,
docs/predict.md and docs/simulate.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from dfras.service.models import JsonObject

Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9 _.:-]+$")]
Note = Annotated[str, Field(max_length=2000)]
Severity = Literal["low", "medium", "high", "critical"]

# -- patterns -----------------------------------------------------------------------------------


class Window(BaseModel):
    start: str | None
    end: str | None


class Pattern(BaseModel):
    """One detected pattern: an anomaly, a trend, a seasonal profile or a recurring cause."""

    pattern_id: str
    type: Literal["Anomaly", "Trend", "Seasonal", "Recurring"]
    name: str
    description: str
    entity: JsonObject
    outcome: str | None
    window: Window
    confidence: float
    frequency: int | None
    duration_days: int | None
    affected_entities: JsonObject
    metrics: JsonObject
    algorithm: str | None
    parameters: JsonObject
    created_at: str | None
    updated_at: str | None


class Anomaly(Pattern):
    """An anomaly and the root-cause engine's explanation of its window."""

    explanation: JsonObject


class EventRef(BaseModel):
    type: str | None
    key: str | None


class Correlation(BaseModel):
    """Two events found together (in time, in place, or statistically)."""

    correlation_id: str
    type: Literal["Temporal", "Spatial", "Statistical"]
    primary_event: EventRef
    secondary_event: EventRef
    entity: JsonObject
    window: Window
    strength: float
    confidence: float
    time_window_minutes: int | None
    distance_km: float | None
    evidence: JsonObject
    created_at: str | None


class CorrelationGraph(BaseModel):
    correlation_id: str
    type: str
    nodes: list[JsonObject]
    edges: list[JsonObject]


# -- alerts -------------------------------------------------------------------------------------


class Alert(BaseModel):
    """One occurrence of a problem a rule watches for."""

    alert_id: int
    dedup_key: str
    rule_id: str
    rule_name: str
    kind: str
    severity: Severity
    state: Literal["open", "acknowledged", "resolved"]
    title: str
    entity: JsonObject
    scope: JsonObject
    figures: JsonObject
    first_seen: str
    last_seen: str
    occurrences: int
    acknowledged_by: str | None
    acknowledged_at: str | None
    resolved_by: str | None
    resolved_at: str | None
    resolution_note: str | None


class AlertEvent(BaseModel):
    occurred_at: str
    event: str
    from_state: str | None
    to_state: str | None
    actor: str | None
    detail: JsonObject | None


class AlertDetail(Alert):
    """An alert with every change of its state."""

    history: list[AlertEvent]


class AlertAction(BaseModel):
    """Acknowledging or resolving an alert, with an optional note."""

    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


class RuleIn(BaseModel):
    """An alert rule; ``params`` depend on ``kind`` (docs/alerts.md lists them)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: Literal["threshold", "pattern", "quality_drop", "at_risk"]
    severity: Severity = "medium"
    params: JsonObject = Field(default_factory=dict, validate_default=True)
    channels: list[Name] = Field(default_factory=list, max_length=20)
    description: Annotated[str, Field(max_length=500)] = ""
    enabled: bool = True

    @field_validator("params")
    @classmethod
    def _settings(cls, params: JsonObject, info: ValidationInfo) -> JsonObject:
        """The kind's own settings, checked by the alerts module (422 on ``params``)."""
        from dfras.alerts.rules import build_rule
        from dfras.domain.errors import UserError

        if "kind" in info.data:
            try:
                build_rule(
                    name=info.data.get("name") or "rule", kind=info.data["kind"], params=params
                )
            except UserError as exc:
                raise ValueError(exc.message) from exc
        return params


class RuleOut(BaseModel):
    rule_id: str
    name: str
    kind: str
    severity: Severity
    enabled: bool
    params: JsonObject
    channels: list[str]
    description: str


class ChannelIn(BaseModel):
    """A notification channel. Secrets (a webhook's signing key, an SMTP password) are given
    as references, ``env:NAME`` or ``file:PATH``, never as values."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    type: Literal["webhook", "slack", "smtp"]
    config: JsonObject = Field(default_factory=dict, validate_default=True)
    min_severity: Severity = "low"
    enabled: bool = True

    @field_validator("config")
    @classmethod
    def _settings(cls, config: JsonObject, info: ValidationInfo) -> JsonObject:
        """Addresses and secret references, checked by the alerts module (422 on ``config``):
        a literal secret is refused here, before anything is stored."""
        from dfras.alerts.channels import build_channel
        from dfras.domain.errors import UserError

        if "type" in info.data:
            try:
                build_channel(
                    name=info.data.get("name") or "channel", type=info.data["type"], config=config
                )
            except UserError as exc:
                raise ValueError(exc.message) from exc
        return config


class ChannelOut(BaseModel):
    """A channel as stored: addresses and secret references, never secret values."""

    channel_id: str
    name: str
    type: str
    config: JsonObject
    min_severity: Severity
    enabled: bool


class Evaluation(BaseModel):
    at: str
    rules: list[JsonObject]
    delivery: JsonObject | None


# -- predictions --------------------------------------------------------------------------------


class TrainRequest(BaseModel):
    """Train a failure-risk model on the orders closed before ``until`` (default: all)."""

    model_config = ConfigDict(extra="forbid")

    until: date | None = None
    seed: int = Field(0, ge=0, le=2_147_483_647)


class ModelOut(BaseModel):
    """A registered model version (without its artifact)."""

    model_config = ConfigDict(extra="allow")

    model_name: str
    model_version: str
    model_id: int
    created_at: str
    status: str
    has_signal: bool
    summary: str
    metrics: JsonObject
    importance: JsonObject


class OrderRisk(BaseModel):
    order_id: int
    status: str
    order_date: str
    city: str | None
    probability: float
    top_factors: list[JsonObject]


class Predictions(BaseModel):
    """The riskiest open orders of a scope under the active model."""

    model_version: str
    has_signal: bool
    message: str
    base_rate: float | None
    test_auc: float | None
    scope: str
    open_orders_in_scope: int
    predicted_at: str
    orders: list[OrderRisk]


# -- simulations --------------------------------------------------------------------------------

ScenarioType = Literal[
    "new-client", "festival", "weather", "move-partner", "capacity", "cause-rate"
]


def max_simulation_runs() -> int:
    """``DFRAS_MAX_SIMULATION_RUNS``: the most Monte Carlo runs one request may ask for."""
    import os

    return max(100, int(os.environ.get("DFRAS_MAX_SIMULATION_RUNS", "20000")))


def _cap_runs(runs: int) -> int:
    cap = max_simulation_runs()
    if runs > cap:
        raise ValueError(f"at most {cap} runs (DFRAS_MAX_SIMULATION_RUNS)")
    return runs


class SimulationRequest(BaseModel):
    """A what-if scenario: its type and parameters (docs/simulate.md), seeded runs."""

    model_config = ConfigDict(extra="forbid")

    type: ScenarioType
    parameters: JsonObject = Field(default_factory=dict, validate_default=True)
    runs: int = Field(2000, ge=100, description="Capped by DFRAS_MAX_SIMULATION_RUNS.")
    seed: int = Field(1, ge=0, le=2_147_483_647)
    start: date | None = None
    days: int | None = Field(None, ge=1, le=366)

    @field_validator("runs")
    @classmethod
    def _capped(cls, runs: int) -> int:
        return _cap_runs(runs)

    @field_validator("parameters")
    @classmethod
    def _scenario(cls, parameters: JsonObject, info: ValidationInfo) -> JsonObject:
        from dfras.domain.errors import UserError
        from dfras.simulate.scenarios import build_scenario

        kind = info.data.get("type")
        if kind is not None:  # an unknown type is reported on its own field
            try:
                build_scenario(kind, parameters)
            except UserError as exc:
                raise ValueError(exc.message) from exc
        return parameters


class BacktestRequest(BaseModel):
    """Fit before ``until``, simulate the following month(s), check the 90% intervals."""

    model_config = ConfigDict(extra="forbid")

    until: date
    months: int = Field(1, ge=1, le=12)
    runs: int = Field(1000, ge=100)
    seed: int = Field(1, ge=0, le=2_147_483_647)

    @field_validator("runs")
    @classmethod
    def _capped(cls, runs: int) -> int:
        return _cap_runs(runs)


class SimulationSummary(BaseModel):
    scenario_id: str
    name: str
    type: str
    seed: int
    runs: int
    created_at: str
    data_version: str | None


class SimulationOut(BaseModel):
    """A simulation's whole result: breakdowns with 90% intervals, capacity, risks,
    mitigations ranked, narrative (docs/simulate.md)."""

    model_config = ConfigDict(extra="allow")

    scenario_id: str
    name: str
    type: str
    parameters: JsonObject
    label: str
    runs: int
    seed: int
    summary: JsonObject
    narrative: str
