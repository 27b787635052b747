"""PDF, Excel and HTML reports read back: pages and text, sheets, native charts, and cells
crafted as formulas neutralised (end to end: a city named like a formula in the data)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.reports import html, pdf, xlsx
from dfras.reports.content import gather
from dfras.store import open_store

FORMULA_CITY = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    generate(root / "data", orders=2_000, seed=9)
    path = root / "s.duckdb"
    store = open_store(str(path))
    try:
        ingest_paths(store, [root / "data"])
        # a city crafted as a formula reaches the report's tables (fact and summaries rebuilt)
        store.execute("UPDATE orders SET city = ? WHERE order_id % 10 = 0", [FORMULA_CITY])
        store.execute("UPDATE store_meta SET value = value || '+' WHERE key = 'data_version'")
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def outputs(db: Path) -> dict[str, Any]:
    store = open_store(str(db))
    try:
        content = gather(store)  # gathered once, laid out three ways
        return {
            "content": content,
            "pdf": pdf.render(content),
            "xlsx": xlsx.render(content),
            "html": html.render(content).decode(),
        }
    finally:
        store.close()


def test_pdf_pages_and_text(outputs: dict[str, Any]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(outputs["pdf"]))
    assert len(reader.pages) >= 3
    text = "\n".join(p.extract_text() for p in reader.pages)
    content = outputs["content"]
    for heading in (
        "Delivery failure report",
        "Summary",
        "Key figures",
        "Causes",
        "Recommendations",
        "Appendix",
        "By city",
    ):
        assert heading in text
    orders = dict(content.kpis)["Orders"]
    assert orders == "2,000" and orders in text
    assert content.causes and content.causes[0]["cause"] in text
    assert f"page 1/{len(reader.pages)}" in text


def test_xlsx_sheets_charts_and_neutralised_formulas(outputs: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(outputs["xlsx"]))
    assert wb.sheetnames[:5] == ["Summary", "KPIs", "Causes", "Trend", "Recommendations"]
    assert {"All causes", "By city", "By partner", "By warehouse", "By client"} <= set(
        wb.sheetnames
    )
    assert len(wb["Causes"]._charts) == 1 and len(wb["Trend"]._charts) == 1
    cities = wb["By city"]
    crafted = [c for c in cities["A"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert crafted, "the crafted city should be in the table"
    for cell in crafted:
        assert cell.data_type == "s" and cell.value == "'" + FORMULA_CITY
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
    kpis = {r[0].value: r[1].value for r in wb["KPIs"].iter_rows(min_row=2)}
    assert kpis["Orders"] == "2,000"
    causes = [r[0].value for r in wb["Causes"].iter_rows(min_row=2)]
    assert causes == [c["cause"] for c in outputs["content"].causes]


def test_html_is_self_contained_and_escaped(outputs: dict[str, Any]) -> None:
    html = outputs["html"]
    assert html.startswith("<!doctype html>") and "<svg" in html and "<script" not in html
    assert "&#34;http://x&#34;" in html or "&quot;http://x&quot;" in html


def test_cli_report_by_extension(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "mumbai.pdf"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dfras",
            "--db",
            str(db),
            "report",
            "--city",
            "Mumbai",
            "--output",
            str(out),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "city = Mumbai" in text
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "dfras",
            "--db",
            str(db),
            "report",
            "--output",
            str(tmp_path / "r.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and ".xlsx" in bad.stderr + bad.stdout
