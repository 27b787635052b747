"""``dfras demo``: generate a data set, ingest it, print the quality report and a summary."""

from __future__ import annotations

from pathlib import Path

import typer

from dfras.cli.app import app, open_store, state
from dfras.cli.output import console, print_table


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-data"), "--out", help="Folder for the generated files."),
    orders: int = typer.Option(20_000, "--orders", "-n", min=100, help="Orders to generate."),
    seed: int = typer.Option(7, "--seed", help="Random seed."),
    scenario: str = typer.Option("default", "--scenario", help="default or null."),
) -> None:
    """The main job end to end on the embedded store (default ./dfras.duckdb)."""
    from dfras.analysis.explain import explain as run_explain
    from dfras.generate import generate as run
    from dfras.ingest.service import ingest_paths
    from dfras.kpi.summary import summarise
    from dfras.quality.report import build_report

    console.rule("1. generate")
    summary = run(out, orders=orders, seed=seed, scenario=scenario)
    console.print(
        f"{summary.orders:,} orders and their logs written to {out} ({summary.seconds:.1f} s)"
    )
    console.rule("2. ingest")
    store = open_store()
    try:
        report = ingest_paths(store, [out])
        print_table(
            [
                {
                    "file": Path(b.source_file).name,
                    "status": b.status,
                    "read": b.rows_read,
                    "warned": b.rows_warned,
                    "quarantined": b.rows_quarantined,
                }
                for b in report.batches
            ],
            title=f"Import into {state.db or 'dfras.duckdb'} ({report.seconds:.1f} s)",
        )
        console.rule("3. data quality")
        q = build_report(store)
        print_table(
            [
                {
                    "domain": d.domain,
                    "read": d.rows_read,
                    "warned": d.rows_warned,
                    "quarantined": d.rows_quarantined,
                    "score": d.score,
                }
                for d in q.domains
            ],
            title=f"Quality (overall {q.overall_score})",
        )
        print_table(
            [
                {"finding": f.description, "count": f.count, "share": f.share}
                for f in q.findings
                if f.count and not f.code.startswith("status:")
            ],
            title="Findings",
        )
        console.rule("4. summary")
        s = summarise(store)
        why = run_explain(store, outcome="failure", limit=8)
    finally:
        store.close()
    console.print(
        f"{s.orders:,} orders, {s.closed:,} closed, as of {s.as_of}: failure rate "
        f"{_pct(s.failure_rate)}, return rate {_pct(s.return_rate)}, late {_pct(s.late_rate)} "
        f"of delivered, first-attempt delivery {_pct(s.first_attempt_delivery_rate)}; "
        f"revenue lost ₹{s.revenue_lost:,.0f}, COD at risk ₹{s.cod_at_risk:,.0f}"
    )
    print_table(s.reasons, title="Recorded failure reasons")
    print_table(s.by_city, title="By city")
    console.print("These are observed rates. Whether a difference is a real cause is tested next.")
    console.rule("5. why do deliveries fail? (dfras explain)")
    console.print(why.narrative, highlight=False)
    console.print(
        f"The generator's planted causes are listed in {out / 'truth.json'}: compare. "
        "Next: dfras explain --outcome late, dfras compare --city Pune --vs-city Chennai, "
        'dfras ask "Why were deliveries delayed in Chennai yesterday?", dfras order ID.'
    )


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"
