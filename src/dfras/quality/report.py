"""The data-quality report: what was read, kept, flagged and refused, and what looks off.

Per domain: rows read / accepted / warned / quarantined over every batch, the rows stored now,
the rules broken most with example rows, and a 0–100 score. Across domains: coverage (the share
of orders each log domain covers) and consistency findings — the facts a careful reader of an
export checks by hand (multi-line addresses, pincodes that a number parser would damage,
re-attempts, logs that start before their order, sentiment that contradicts the rating, failure
reasons outside the reference list).

Score (0–100) of a domain = 100 × validity × (1 − ½ × warned share), where validity = rows
accepted / rows read over every batch and warned share = stored rows carrying a warning / rows
stored. A domain with nothing refused and nothing flagged scores 100; one where every row was
flagged scores 50; refused rows pull the score down in proportion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dfras.domain.tables import DOMAINS, LOG_DOMAINS
from dfras.fact import service as fact_service
from dfras.ingest.rules import RULES
from dfras.query import quality as q
from dfras.store.base import Store


@dataclass
class RuleCount:
    rule: str
    severity: str
    description: str
    count: int
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DomainQuality:
    domain: str
    rows_read: int
    rows_accepted: int
    rows_warned: int
    rows_quarantined: int
    rows_stored: int
    batches: int
    score: float
    rules: list[RuleCount] = field(default_factory=list)


@dataclass
class Finding:
    """One consistency finding: a named count with the share it is of its base."""

    code: str
    description: str
    count: int
    base: int | None = None
    domain: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        return round(self.count / self.base, 4) if self.base else None


@dataclass
class QualityReport:
    domains: list[DomainQuality]
    coverage: dict[str, float]
    findings: list[Finding]
    overall_score: float

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for f, fd in zip(self.findings, out["findings"], strict=True):
            fd["share"] = f.share
        return out


def domain_score(read: int, accepted: int, warned: int, stored: int) -> float:
    """The documented 0–100 quality score of one domain."""
    if read == 0:
        return 0.0
    validity = accepted / read
    warned_share = warned / stored if stored else 0.0
    return round(100.0 * validity * (1.0 - 0.5 * warned_share), 1)


def build_report(store: Store, *, examples: int = 3, top_rules: int = 10) -> QualityReport:
    """The quality report of everything the store holds."""
    domains, overall = score_domains(store)
    for dq in domains:
        dq.rules = _rule_counts(store, dq.domain, examples, top_rules)
    coverage = _coverage(store)
    findings = _findings(store)
    return QualityReport(
        domains=domains, coverage=coverage, findings=findings, overall_score=overall
    )


def score_domains(store: Store) -> tuple[list[DomainQuality], float]:
    """Each domain's counts and score, and the overall score (read-weighted), without the
    rule breakdown, coverage and findings: what a monitor needs, at a fraction of the cost."""
    fact_service.ensure_current(store)
    batch_stats = {r["domain"]: r for r in store.fetch_dicts(q.BATCH_TOTALS)}
    domains: list[DomainQuality] = []
    for name in DOMAINS:
        stored, warned = store.fetchall(q.stored_counts(name))[0]
        b = batch_stats.get(name, {})
        read = int(b.get("rows_read") or 0)
        accepted = int(b.get("rows_accepted") or 0)
        quarantined = int(b.get("rows_quarantined") or 0)
        domains.append(
            DomainQuality(
                domain=name,
                rows_read=read,
                rows_accepted=accepted,
                rows_warned=int(warned),
                rows_quarantined=quarantined,
                rows_stored=int(stored),
                batches=int(b.get("batches") or 0),
                score=domain_score(read, accepted, int(warned), int(stored)),
            )
        )
    scored = [d for d in domains if d.rows_read]
    overall = (
        round(sum(d.score * d.rows_read for d in scored) / sum(d.rows_read for d in scored), 1)
        if scored
        else 0.0
    )
    return domains, overall


def _rule_counts(store: Store, domain: str, examples: int, top: int) -> list[RuleCount]:
    out: list[RuleCount] = []
    for rule, count in store.fetchall(q.RULE_COUNTS, [domain, domain, top]):
        spec = RULES.get(rule)
        ex = store.fetch_dicts(q.RULE_EXAMPLES, [domain, rule, domain, rule, examples])
        out.append(
            RuleCount(
                rule=rule,
                severity=spec.severity if spec else "error",
                description=spec.text if spec else rule,
                count=int(count),
                examples=ex,
            )
        )
    return out


def _coverage(store: Store) -> dict[str, float]:
    row = store.fetch_dicts(q.COVERAGE)[0]
    total = row.pop("orders") or 0
    return {k: round((v or 0) / total, 4) if total else 0.0 for k, v in row.items()}


def _findings(store: Store) -> list[Finding]:
    found: list[Finding] = []
    n_orders = store.fetchall("SELECT count(*) FROM orders")[0][0]
    for status, count in store.fetchall(q.STATUS_COUNTS):
        found.append(
            Finding(
                f"status:{status}", f"orders with status {status}", int(count), n_orders, "orders"
            )
        )
    r = store.fetch_dicts(q.ORDER_FINDINGS)[0]
    found += [
        Finding(
            "late_delivered",
            "delivered orders that arrived after the promised date",
            int(r["late"] or 0),
            int(r["delivered"] or 0),
            "orders",
        ),
        Finding(
            "failure_reason_on_failed_only",
            "Failed orders with a failure_reason (the rest: see reason_without_failure)",
            int(r["failed_with_reason"] or 0),
            int(r["failed"] or 0),
            "orders",
        ),
        Finding(
            "reason_without_failure",
            "non-Failed orders that carry a failure_reason",
            int(r["reason_not_failed"] or 0),
            n_orders,
            "orders",
        ),
        Finding(
            "multiline_address_orders",
            "order addresses that span several lines",
            int(r["multiline"] or 0),
            n_orders,
            "orders",
        ),
        Finding(
            "overdue_open",
            "open orders whose promised date is before the as-of time",
            int(r["overdue"] or 0),
            int(r["open"] or 0),
            "orders",
        ),
    ]
    for table, col in (("orders", "pincode"), ("clients", "pincode"), ("warehouses", "pincode")):
        lz = store.fetch_dicts(q.leading_zero_pincodes(table, col))[0]
        total = store.fetchall(f"SELECT count(*) FROM {table}")[0][0]
        found.append(
            Finding(
                f"pincode_leading_zero:{table}",
                f"{table} pincodes with leading zeros (a number parser would shorten them)",
                int(lz["total"] or 0),
                total,
                table,
                {
                    "five_digit": int(lz["d5"] or 0),
                    "four_digit": int(lz["d4"] or 0),
                    "three_digit_or_less": int(lz["d3"] or 0),
                },
            )
        )
    c = store.fetch_dicts(q.MULTILINE_CLIENTS)[0]
    found.append(
        Finding(
            "multiline_address_clients",
            "client addresses that span several lines",
            int(c["multiline"] or 0),
            int(c["total"] or 0),
            "clients",
        )
    )
    for dom in LOG_DOMAINS:
        rr = store.fetch_dicts(q.reattempts(dom))[0]
        found.append(
            Finding(
                f"several_rows_per_order:{dom}",
                f"orders with two or more {dom} rows (re-attempts or repeats; all kept)",
                int(rr["multi"] or 0),
                int(rr["orders"] or 0),
                dom,
                {"orders_covered": int(rr["orders"] or 0), "surplus_rows": int(rr["surplus"] or 0)},
            )
        )
    for rule, dom, text in (
        (
            "log_before_order",
            "warehouse_logs",
            "warehouse logs that start picking before the order was placed",
        ),
        ("log_before_order", "fleet_logs", "fleet logs that depart before the order was placed"),
        (
            "sentiment_contradicts_rating",
            "feedback",
            "feedback whose sentiment contradicts its rating",
        ),
    ):
        n = store.fetchall(q.ISSUE_COUNT, [dom, rule])[0][0]
        total = store.fetchall(f"SELECT count(*) FROM {dom}")[0][0]
        found.append(Finding(f"{rule}:{dom}", text, int(n), total, dom))
    st = store.fetch_dicts(q.SENTIMENT_VS_TEXT)[0]
    found.append(
        Finding(
            "sentiment_contradicts_text",
            "feedback labelled Positive about a complaint, or Negative about praise",
            int(st["contradicting"] or 0),
            int(st["total"] or 0),
            "feedback",
        )
    )
    unknown = store.fetchall(q.UNKNOWN_REASONS)
    found.append(
        Finding(
            "unknown_failure_reason",
            "failure reasons outside the reference list (kept as written)",
            sum(int(n) for _, n in unknown),
            n_orders,
            "orders",
            {"reasons": {str(reason): int(n) for reason, n in unknown}},
        )
    )
    return found
