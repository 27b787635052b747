"""Write docs/examples.md: PRODUCT.md's six questions asked of the sample data and of generated
data, from a real run of the `dfras ask` command (JSON and narrative as printed).

Usage: .venv/bin/python scripts/make_examples.py [SAMPLE_DIR]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DFRAS = str(Path(sys.executable).parent / "dfras")

QUESTIONS = {
    "sample": [
        "Why were deliveries delayed in Chennai yesterday?",
        "Why did Saini LLC's orders fail in the past week?",
        "Explain the top reasons for delivery failures linked to Warehouse B in August.",
        "Compare delivery failure causes between Mumbai and Pune last month.",
        "What are the likely causes of delivery failures during the festival period, and how should we prepare?",
        "If we onboard Mann Group with ~20,000 extra monthly orders, what new failure risks should we expect and how do we mitigate them?",
    ],
    "generated": [
        "Why were deliveries delayed in New Delhi last month?",
        "Why did client {client}'s orders fail last month?",
        "Explain the top reasons for delivery failures linked to warehouse {warehouse} in August.",
        "Compare delivery failure causes between Pune and Chennai last month.",
        "What are the likely causes of delivery failures during the festival period, and how should we prepare?",
        "If we onboard a client with ~20,000 extra monthly orders in Chennai, what new failure risks should we expect and how do we mitigate them?",
    ],
}


def ask(store: Path, question: str) -> tuple[dict, str]:
    as_json = subprocess.run(
        [DFRAS, "--db", str(store), "ask", question, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(as_json), as_json


def trim(data: dict) -> dict:
    """The answer's JSON with long lists cut (the full answer comes from the command)."""
    out = json.loads(json.dumps(data))
    analysis = out.get("analysis") or {}
    if "segments" in analysis:
        analysis["segments"] = analysis["segments"][:3]
        analysis.get("tested", {}).pop("attributes", None)
        analysis["recommendations"] = analysis.get("recommendations", [])[:2]
    if "decomposition" in analysis:
        analysis["decomposition"] = [
            {k: v for k, v in d.items() if k != "levels"} for d in analysis["decomposition"][:3]
        ]
    return out


def section(title: str, store: Path, questions: list[str]) -> list[str]:
    lines = [f"## {title}", ""]
    for q in questions:
        data, _ = ask(store, q)
        lines += [
            f"### {q}",
            "",
            "```",
            data.get("narrative", "").strip(),
            "```",
            "",
            "<details><summary>JSON (lists shortened)</summary>",
            "",
            "```json",
            json.dumps(trim(data), indent=2, ensure_ascii=False)[:6000],
            "```",
            "",
            "</details>",
            "",
        ]
    return lines


def main() -> None:
    sample = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "sample-data"
    work = Path(tempfile.mkdtemp())
    s_store = work / "sample.duckdb"
    subprocess.run(
        [DFRAS, "--db", str(s_store), "ingest", str(sample), "--format", "json"],
        check=True,
        capture_output=True,
    )
    gen = work / "gen"
    subprocess.run(
        [DFRAS, "generate", str(gen), "--orders", "100000", "--seed", "1", "--format", "json"],
        check=True,
        capture_output=True,
    )
    truth = json.loads((gen / "truth.json").read_text())
    planted = {p["id"]: p for p in truth["planted"]}
    g_store = work / "gen.duckdb"
    subprocess.run(
        [DFRAS, "--db", str(g_store), "ingest", str(gen), "--format", "json"],
        check=True,
        capture_output=True,
    )
    gen_q = [
        q.format(
            client=planted["client_bad_addresses"]["conditions"]["client_id"],
            warehouse=planted["warehouse_stockout"]["conditions"]["warehouse_id"],
        )
        for q in QUESTIONS["generated"]
    ]
    lines = [
        "# Examples: the six questions, answered",
        "",
        f"Recorded from a real run on {date.today().isoformat()} by `scripts/make_examples.py`",
        "(`.venv/bin/python scripts/make_examples.py`). Every narrative and number below is",
        "what `dfras ask QUESTION --format json` printed.",
        "",
        "The sample data's outcomes are pure noise, so every answer there must say that no",
        "significant cause was found. The generated data (100,000 orders, seed 1, scenario",
        "`default`) has causes planted by the generator; its `truth.json` lists them:",
        "",
        *[f"- `{p['id']}`: {p['description']}" for p in truth["planted"]],
        "",
        "Questions 5 and 6 add Monte Carlo simulations (`docs/simulation.md`): the next festival",
        "in the calendar, and the new client's extra orders, with warehouses over capacity and",
        "mitigations ranked by their simulated effect.",
        "",
    ]
    lines += section("On ../shared/sample-data", s_store, QUESTIONS["sample"])
    lines += section("On generated data with planted causes", g_store, gen_q)
    (ROOT / "docs" / "examples.md").write_text("\n".join(lines))
    print("wrote docs/examples.md")


if __name__ == "__main__":
    main()
