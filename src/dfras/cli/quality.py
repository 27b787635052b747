"""``dfras quality``: the data-quality report of the store."""

from __future__ import annotations

import typer

from dfras.cli.app import FormatOption, app, open_store
from dfras.cli.output import Format, console, emit, print_table


@app.command()
def quality(
    examples: int = typer.Option(3, "--examples", help="Example rows per broken rule."),
    fmt: Format = FormatOption,
) -> None:
    """Rows read/accepted/warned/quarantined, rules broken, coverage, findings, scores."""
    from dfras.quality.report import build_report

    store = open_store()
    try:
        report = build_report(store, examples=examples)
    finally:
        store.close()
    domain_rows = [
        {
            "domain": d.domain,
            "read": d.rows_read,
            "accepted": d.rows_accepted,
            "warned": d.rows_warned,
            "quarantined": d.rows_quarantined,
            "stored": d.rows_stored,
            "score": d.score,
        }
        for d in report.domains
    ]
    if fmt != Format.table:
        emit(report, fmt, rows=domain_rows)
        return
    print_table(domain_rows, title=f"Data quality (overall score {report.overall_score})")
    rule_rows = [
        {
            "domain": d.domain,
            "rule": r.rule,
            "severity": r.severity,
            "rows": r.count,
            "example": (
                f"row {r.examples[0]['source_row']}: {r.examples[0]['message']}"
                if r.examples
                else ""
            ),
        }
        for d in report.domains
        for r in d.rules
    ]
    if rule_rows:
        print_table(rule_rows, title="Rules broken")
    print_table(
        [{"domain": k, "share of orders covered": v} for k, v in report.coverage.items()],
        title="Coverage",
    )
    print_table(
        [
            {"finding": f.description, "count": f.count, "of": f.base, "share": f.share}
            for f in report.findings
        ],
        title="Consistency findings",
    )
    console.print("score = 100 × accepted/read × (1 − ½ × warned/stored); see docs/quality.md")
