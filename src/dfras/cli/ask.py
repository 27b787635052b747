"""``dfras ask``: a plain-English question, how it was understood, and the answer."""

from __future__ import annotations

from typing import Any

import typer

from dfras.cli.app import FormatOption, app, open_store
from dfras.cli.output import Format, console, emit, print_table
from dfras.cli.scope_options import AsOfOpt, parse_as_of


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    as_of: str | None = AsOfOpt,
    fmt: Format = FormatOption,
) -> None:
    """Ask in plain English: 'Why were deliveries delayed in Chennai yesterday?'

    Prints how the question was understood (intent, outcome, scope, period with its dates),
    then the answer and its top segments. Names are matched against the data, misspellings
    included; an unknown or ambiguous name is an error listing the closest matches.
    """
    from dfras.ask.service import ask as run

    store = open_store()
    try:
        answer = run(store, question, as_of=parse_as_of(as_of))
    finally:
        store.close()
    data = answer.to_dict()
    rows, title = _rows(data)
    if fmt != Format.table:
        emit(data, fmt, rows=rows)
        return
    u = answer.understood
    console.print(f"[bold]Understood:[/] {u.describe()}", highlight=False)
    as_of_text = answer.as_of.date().isoformat() if answer.as_of else "n/a"
    console.print(f"as of {as_of_text}", highlight=False)
    for note in u.notes:
        console.print(f"[dim]note:[/] {note}", highlight=False)
    console.print()
    console.print(answer.narrative, highlight=False)
    if rows:
        print_table(rows, title=title)


def _rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    analysis = data["analysis"]
    if analysis is None:
        return [], ""
    if "decomposition" in analysis:
        rows = [
            {"attribute": d["attribute"], "mix": d["mix"], "rate": d["rate"], "total": d["total"]}
            for d in analysis["decomposition"][:10]
        ]
        return rows, "Where the difference comes from (mix + rate = total)"
    if "mitigations" in analysis:
        rows = [
            {"mitigation": m["name"], "failed+late avoided": m["avoided_mean"],
             "90% interval": f"{m['avoided_p05']:,.0f} to {m['avoided_p95']:,.0f}"}
            for m in analysis["mitigations"]
        ]  # fmt: skip
        return rows, "Mitigations, ranked by simulated effect"
    if analysis["segments"]:
        return [_segment_row(s) for s in analysis["segments"][:10]], "Top segments"
    total = sum(int(r["failed"]) for r in analysis["reasons"]) or 1
    rows = [
        {"recorded reason": r["reason"], "category": r.get("category"), "failed": r["failed"],
         "share": r["failed"] / total}
        for r in analysis["reasons"][:10]
    ]  # fmt: skip
    return rows, "No segment stands out; recorded reasons of the failed orders (not tested causes)"


def _segment_row(s: dict[str, Any]) -> dict[str, Any]:
    from dfras.cli.explain import segment_label

    return {
        "segment": segment_label(s),
        "support": s["support"],
        "rate": s["rate"],
        "baseline": s["baseline"],
        "risk_ratio": s["risk_ratio"],
        "q_value": s["q_value"],
    }
