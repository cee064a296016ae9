"""Write a report as report.json, report.md and a self-contained report.html."""

from __future__ import annotations

from pathlib import Path

from .dataset import Dataset
from .html import render_html
from .markdown import render_markdown
from .report import Report

REPORT_FILES = ("report.json", "report.md", "report.html")


def write_reports(report: Report, dataset: Dataset, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "report.json": report.model_dump_json(indent=2),
        "report.md": render_markdown(report),
        "report.html": render_html(report, dataset),
    }
    written = []
    for name, text in contents.items():
        path = folder / name
        staging = path.with_suffix(path.suffix + ".tmp")
        staging.write_text(text, encoding="utf-8")
        staging.replace(path)
        written.append(path)
    return written
