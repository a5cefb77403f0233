"""What each figure shows and says: its title, text alternatives and data table, from the
document; `draw` turns the same data into a picture."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from symphonia.reports.text import call, num, pct
from symphonia.services.reporting import ReportDocument

ITEMS_PER_CHART = 40
"""Rows per rating chart: past this a chart is split, so labels stay legible in print."""


@dataclass(frozen=True, slots=True)
class ChartData:
    """A figure before it is drawn: which one, what it says in words, its data table."""

    key: str
    kind: str
    """distribution | groups | rounds | theme_map | flow."""
    title: str
    alt: str
    description: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    items: tuple[str, ...] = ()
    """For rating charts: the items this chart (or this part of a split chart) shows."""


def svg_data_uri(svg: str) -> str:
    """An SVG as a data URI: a self-contained page shows it as an image with its alt text."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@dataclass(frozen=True, slots=True)
class Chart:
    data: ChartData
    svg: str | None
    png: bytes | None

    @property
    def data_uri(self) -> str:
        if self.svg is None:
            raise ValueError(f"chart {self.data.key} was drawn without its SVG")
        return svg_data_uri(self.svg)


def _chunks(items: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + ITEMS_PER_CHART]) for i in range(0, len(items), ITEMS_PER_CHART)]


def _part(title: str, n: int, total: int) -> str:
    return title if total == 1 else f"{title} (part {n} of {total})"


def _distribution(doc: ReportDocument) -> list[ChartData]:
    items = {i.item_id: i for i in doc.items}
    chunks = _chunks([i.item_id for i in doc.items])
    out = []
    for n, chunk in enumerate(chunks, start=1):
        rows = tuple(
            (
                i,
                str(items[i].n),
                ", ".join(f"{score}: {count}" for score, count in items[i].distribution if count),
                num(items[i].median),
                call(items[i]),
            )
            for i in chunk
        )
        out.append(
            ChartData(
                key=f"distribution-{n}",
                kind="distribution",
                title=_part("Rating distribution per statement", n, len(chunks)),
                alt=f"Stacked bars of how many panellists gave each score to {len(chunk)} "
                "rated statements; the table below gives every count.",
                description="Each bar is one rated statement; each segment the number of "
                "ratings at one score, from the lowest (left) to the highest (right).",
                headers=("Item", "Ratings", "Ratings per score", "Median", "Call"),
                rows=rows,
                items=chunk,
            )
        )
    return out


def _groups(doc: ReportDocument) -> list[ChartData]:
    rated = [i for i in doc.items if i.groups]
    if not rated:
        return []
    names = sorted({g.group for i in rated for g in i.groups})
    chunks = _chunks([i.item_id for i in rated])
    by_id = {i.item_id: i for i in rated}
    out = []
    for n, chunk in enumerate(chunks, start=1):
        rows = []
        for item_id in chunk:
            shares = {g.group: g for g in by_id[item_id].groups}
            rows.append(
                (
                    item_id,
                    *(
                        f"{pct(shares[g].percent_agreement)} of {shares[g].n}"
                        if g in shares and shares[g].n
                        else "–"
                        for g in names
                    ),
                )
            )
        out.append(
            ChartData(
                key=f"groups-{n}",
                kind="groups",
                title=_part("Agreement per stakeholder group", n, len(chunks)),
                alt=f"Heatmap of the share of each of {len(names)} groups rating each of "
                f"{len(chunk)} statements in the agreement band; the table below gives "
                "every share.",
                description="Darker cells: more of the group agreed. A consensus must hold "
                "in every group; an empty cell is a group with no ratings of that item.",
                headers=("Item", *names),
                rows=tuple(rows),
                items=chunk,
            )
        )
    return out


def _rounds(doc: ReportDocument) -> list[ChartData]:
    rounds = sorted({h.round for h in doc.history})
    if not rounds:
        return []
    history = {(h.item_id, h.round): h for h in doc.history}
    items = sorted({h.item_id for h in doc.history}, key=[i.item_id for i in doc.items].index)
    chunks = _chunks(items)
    out = []
    for n, chunk in enumerate(chunks, start=1):
        rows = tuple(
            (
                item,
                *(
                    pct(history[(item, r)].percent_agreement) if (item, r) in history else "–"
                    for r in rounds
                ),
            )
            for item in chunk
        )
        out.append(
            ChartData(
                key=f"rounds-{n}",
                kind="rounds",
                title=_part("Agreement across rating rounds", n, len(chunks)),
                alt=f"Dot plot of each statement's share of agreement in rounds "
                f"{', '.join(map(str, rounds))}; the table below gives every share.",
                description="Each row is a statement, each dot its agreement in one rating "
                "round; the dashed line is the protocol's consensus threshold.",
                headers=("Item", *(f"Round {r}" for r in rounds)),
                rows=rows,
                items=chunk,
            )
        )
    return out


def _theme_map(doc: ReportDocument) -> list[ChartData]:
    placed = [f for f in doc.evidence if f.position is not None]
    if not placed:
        return []
    rows = []
    for theme in doc.themes:
        rows.append((theme.key, theme.label, theme.status, str(theme.size)))
    singular = sum(1 for f in placed if f.theme_key is None)
    rows.append(("–", "singular views", "kept, shown apart", str(singular)))
    return [
        ChartData(
            key="theme-map",
            kind="theme_map",
            title="Theme map",
            alt=f"Map of {len(placed)} fragments in two dimensions, coloured by their "
            f"{len(doc.themes)} themes, with {singular} singular views marked apart; the "
            "table below lists the themes.",
            description="Fragments that say similar things lie close together. Each theme "
            "is labelled at its centre, or beside it with a line to it where themes crowd; "
            "singular views are grey crosses. Distances are a "
            f"projection ({doc.methods.drafting.projection or 'two dimensions'}) and only "
            "roughly meaningful.",
            headers=("Theme", "Label", "Status", "Fragments"),
            rows=tuple(rows),
        )
    ]


def _flow(doc: ReportDocument) -> list[ChartData]:
    flow = doc.methods.flow
    if not flow:
        return []
    rows = tuple(
        (
            f"Round {r.number} ({r.kind})",
            str(r.panel),
            str(r.took_part),
            pct(r.response_rate),
            "–" if r.dropped is None else str(r.dropped),
        )
        for r in flow
    )
    return [
        ChartData(
            key="participant-flow",
            kind="flow",
            title="Participant flow",
            alt=f"Flow diagram of the panel of {doc.methods.panel.experts} through "
            f"{len(flow)} rounds: who took part and who did not return; the table below "
            "gives every number.",
            description="Each box is a round: how many of the panel took part, and how many "
            "of those who took part in the round before did not return.",
            headers=("Round", "Panel", "Took part", "Response", "Did not return"),
            rows=rows,
        )
    ]


def chart_data(doc: ReportDocument) -> tuple[ChartData, ...]:
    """Every figure of the report, in reading order."""
    return tuple([*_distribution(doc), *_groups(doc), *_rounds(doc), *_theme_map(doc), *_flow(doc)])


def render_charts(doc: ReportDocument, *, svg: bool = True, png: bool = False) -> tuple[Chart, ...]:
    """Every figure, each drawn once: SVG for the pages and PDF, PNG for Word (which shows
    no SVG), both when one caller needs both."""
    from symphonia.reports.charts import draw

    return tuple(Chart(data, *draw.render(doc, data, svg=svg, png=png)) for data in chart_data(doc))
