"""The report's records as CSV, for analysts: one file each for the fragments, the ratings,
the per-item statistics, and the statements with their citations.

Written as a directory of files or as one zip. Cells a spreadsheet would run as a formula
(text starting with =, +, -, @, a tab or a carriage return) are prefixed with an apostrophe,
so a contributor's text can never become a formula on an analyst's machine. The zip is
deterministic: entries in a fixed order, each dated by the records (`issued_at`).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from symphonia.interchange.files import write_atomically
from symphonia.reports.archive import deterministic_zip
from symphonia.services.reporting import ReportDocument

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = repr(round(value, 6)) if isinstance(value, float) else str(value)
    if isinstance(value, str) and text.startswith(_FORMULA):
        return "'" + text
    return text


def table_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([_cell(c) for c in row] for row in rows)
    return buffer.getvalue()


def fragments_csv(doc: ReportDocument) -> str:
    return table_csv(
        (
            "id",
            "round",
            "kind",
            "text",
            "confidence",
            "group",
            "author",
            "sources",
            "theme",
            "cited_by",
            "x",
            "y",
        ),
        (
            (
                f.id,
                doc.round.evidence_round,
                f.kind,
                f.text,
                f.confidence,
                f.group,
                f.author,
                "; ".join(f.sources),
                f.theme_key or "singular",
                " ".join(f.cited_by),
                f.position[0] if f.position else None,
                f.position[1] if f.position else None,
            )
            for f in doc.evidence
        ),
    )


def ratings_csv(doc: ReportDocument) -> str:
    return table_csv(
        ("round", "item", "rater", "group", "score"),
        ((r.round, r.item_id, r.rater, r.group, r.score) for r in doc.ratings),
    )


def items_csv(doc: ReportDocument) -> str:
    return table_csv(
        (
            "round",
            "item",
            "text",
            "theme",
            "call",
            "consensus",
            "direction",
            "n",
            "median",
            "iqr",
            "mean",
            "sd",
            "cv",
            "percent_agreement",
            "percent_disagreement",
            "participation",
            "distribution",
        ),
        (
            (
                doc.round.number,
                i.item_id,
                i.text,
                i.theme_key,
                i.call,
                i.consensus,
                i.direction,
                i.n,
                i.median,
                i.iqr,
                i.mean,
                i.sd,
                i.cv,
                i.percent_agreement,
                i.percent_disagreement,
                i.participation,
                " ".join(f"{score}:{count}" for score, count in i.distribution),
            )
            for i in doc.items
        ),
    )


def statements_csv(doc: ReportDocument) -> str:
    return table_csv(
        (
            "id",
            "section",
            "theme",
            "text",
            "strength",
            "origin",
            "citations",
            "guard_ok",
            "guard_flags",
            "items",
        ),
        (
            (
                s.key,
                s.section,
                s.theme_key,
                s.text,
                s.strength,
                s.origin,
                " ".join(s.citations),
                s.guard.ok,
                "; ".join(f.code for f in s.guard.flags),
                " ".join(s.items),
            )
            for s in doc.statements
        ),
    )


def csv_files(doc: ReportDocument) -> dict[str, str]:
    """File name -> content, in the order they are written."""
    return {
        "fragments.csv": fragments_csv(doc),
        "ratings.csv": ratings_csv(doc),
        "items.csv": items_csv(doc),
        "statements.csv": statements_csv(doc),
    }


def tables_zip(files: Mapping[str, str], moment: datetime.datetime) -> bytes:
    """CSV files (name -> content) as one zip, every entry dated `moment`."""
    return deterministic_zip({name: t.encode("utf-8") for name, t in files.items()}, moment)


def write_tables(files: Mapping[str, str], out: Path, moment: datetime.datetime) -> list[Path]:
    """A zip when `out` ends in .zip, else a directory of files (each written atomically)."""
    if out.suffix.lower() == ".zip":
        return [write_atomically(out, tables_zip(files, moment))]
    return [write_atomically(out / name, text) for name, text in files.items()]


def csv_zip(doc: ReportDocument) -> bytes:
    return tables_zip(csv_files(doc), doc.issued_at)


def write_csv(doc: ReportDocument, out: Path) -> list[Path]:
    """A zip when `out` ends in .zip, else a directory of files (each written atomically)."""
    return write_tables(csv_files(doc), out, doc.issued_at)
