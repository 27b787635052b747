"""Response and request bodies of the API (the OpenAPI schema is generated from these).

Nested analysis results (explanations, comparisons, answers, quality reports) are documented
in docs/analysis.md and docs/quality.md and typed here as JSON objects.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dfras.service.scopes import ScopeModel

JsonObject = dict[str, Any]
Measure = Annotated[str, Field(min_length=1, max_length=500)]
Channel = Annotated[str, Field(min_length=1, max_length=200)]


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    store: str
    data_version: str


class TrendPoint(BaseModel):
    date: str
    orders: int
    failed: int
    late: int
    returned: int
    failure_rate: float | None
    late_rate: float | None
    return_rate: float | None


class TopCause(BaseModel):
    cause: str
    category: str | None
    orders: int
    share: float | None


class Overview(BaseModel):
    """Headline figures of a scope, read from the daily summaries."""

    as_of: str | None
    scope: JsonObject
    orders: int
    closed: int
    delivered: int
    failed: int
    returned: int
    late: int
    open: int
    overdue: int
    failure_rate: float | None
    late_rate: float | None
    return_rate: float | None
    first_attempt_rate: float | None
    trend: list[TrendPoint]
    top_causes: list[TopCause]
    lost_revenue: float
    cod_at_risk: float
    alerts: list[JsonObject]


class OrderPage(BaseModel):
    items: list[JsonObject]
    total: int
    page: int
    page_size: int


class TimelineEntry(BaseModel):
    stage: Literal["ordered", "picking", "dispatch", "transit", "outcome"]
    event: str
    at: str | None
    detail: str
    record: str | None


class HistoryEntry(BaseModel):
    at: str
    by: str
    from_: str | None = Field(alias="from")
    to: str
    note: str | None
    preventive_measures: list[str]


class OrderDetail(BaseModel):
    order: JsonObject
    timeline: list[TimelineEntry]
    evidence: JsonObject
    cause: JsonObject | None
    customer_message: str
    resolution_history: list[HistoryEntry]


class Resolution(BaseModel):
    order_id: int
    status: str
    notes: str | None
    resolved_at: str | None
    resolved_by: str | None
    preventive_measures: list[str]
    history: list[HistoryEntry]


class CauseDetail(BaseModel):
    cause: JsonObject
    resolution: Resolution


class ResolutionUpdate(BaseModel):
    """A move in the workflow Pending → In Progress → Resolved → Closed."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["Pending", "In Progress", "Resolved", "Closed"]
    note: str | None = Field(None, max_length=4000)
    preventive_measures: list[Measure] | None = Field(None, max_length=20)


class CauseCount(BaseModel):
    cause: str
    category: str | None
    orders: int
    share: float | None


class CauseCounts(BaseModel):
    scope: JsonObject
    orders: int
    causes: list[CauseCount]


class Progress(BaseModel):
    """How far a job has come: ``done`` of ``total`` ``unit`` (an import: ``bytes`` of its
    files, then ``percent`` of each stage after them) in its current ``stage``."""

    stage: str | None
    done: int
    total: int
    unit: str | None = None


class Job(BaseModel):
    """Background work: an import or an explanation."""

    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: Progress
    created_at: str
    started_at: str | None
    finished_at: str | None
    result: Any = None
    error: JsonObject | None = None


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ScopeModel = Field(default_factory=lambda: ScopeModel.model_validate({}))
    outcome: Literal["failure", "return", "late", "delay"] = "failure"
    fdr: float = Field(0.05, gt=0, lt=1)
    min_support: int = Field(25, ge=1, le=1_000_000)
    limit: int = Field(20, ge=1, le=200)


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: ScopeModel
    b: ScopeModel | None = Field(None, description="Scope B; omitted: every other order.")
    outcome: Literal["failure", "return", "late", "delay"] = "failure"


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=500)
    as_of: str | None = Field(None, max_length=40)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ScopeModel = Field(default_factory=lambda: ScopeModel.model_validate({}))
    format: Literal["html", "pdf", "xlsx"] = "html"


class Schedule(BaseModel):
    """A report generated on a schedule and handed to a delivery channel."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9 _.-]+$")
    frequency: Literal["daily", "weekly"]
    weekday: int = Field(0, ge=0, le=6, description="0 = Monday (weekly schedules)")
    hour: int = Field(7, ge=0, le=23, description="Hour of day, server local time")
    format: Literal["html", "pdf", "xlsx"] = "pdf"
    scope: ScopeModel = Field(default_factory=lambda: ScopeModel.model_validate({}))
    channels: list[Channel] = Field(default_factory=list, max_length=20)


class ScheduleOut(Schedule):
    """A saved schedule, with when it last ran."""

    model_config = ConfigDict(extra="forbid")

    last_run_at: str | None = None
