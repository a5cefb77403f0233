"""The computed figures of a theme, and the numbers a statement's text claims.

Check (d) of the guard: every number written in a statement must be a figure the pipeline
computed for its theme (size, contributors, groups, stance counts, kind counts, mean
confidence, Delphi rating figures such as percent agreement, median, IQR, n, and the numbers
in the theme's computed minority/reason sentences) or a number that appears in the text of a
fragment the statement cites (quoting "30% of practices" from the evidence is faithful).
The same figures, formatted, are what the LLM prompt shows the model, so a faithful model has
every number it may use in front of it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symphonia.core.fragments import MAX_CONFIDENCE, MIN_CONFIDENCE, Fragment
from symphonia.core.themes import Theme

_NUMBER = re.compile(
    r"(?<![\w.\-/])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![A-Za-z_])(\s*(?:%|percent\b|per\s+cent\b))?",
    re.IGNORECASE,
)
_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20,
}  # fmt: skip
"""Counts written as words. "one" is left out: it is far more often a pronoun ("no one")."""
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A number as written in a statement."""

    raw: str
    value: float
    decimals: int
    percent: bool


def claimed_numbers(text: str) -> list[Claimed]:
    """Every number a text states: digits (with %, "percent"), and counts as words."""
    out: list[Claimed] = []
    for m in _NUMBER.finditer(text):
        digits = m.group(1).replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        out.append(Claimed(m.group(0).strip(), float(digits), decimals, bool(m.group(2))))
    for m in _WORD.finditer(text):
        out.append(Claimed(m.group(0), float(_WORDS[m.group(1).lower()]), 0, False))
    return out


def _numeric_leaves(value: Any) -> Iterable[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            yield float(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _numeric_leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _numeric_leaves(v)


def theme_figures(theme: Theme) -> set[float]:
    """Every figure computed for a theme (raw values; see `matches` for rounding)."""
    stats = theme.stats
    figures = {
        float(stats.size),
        float(stats.contributors),
        float(len(stats.groups)),
        float(stats.stance_for),
        float(stats.stance_against),
        float(stats.mean_confidence),
        float(MIN_CONFIDENCE),
        float(MAX_CONFIDENCE),
        *(float(v) for v in stats.kind_mix.values()),
        *(float(len(ids)) for ids in theme.positions.values()),
    }
    if stats.ratings:
        figures.update(_numeric_leaves(stats.ratings))
    for sentence in (theme.minority or "", *theme.reasons):
        figures.update(c.value for c in claimed_numbers(sentence))
    return figures


def citation_figures(cited: Sequence[Fragment]) -> set[float]:
    """Who stands behind the cited fragments: how many contributors, from how many groups.
    A statement may credit *its* evidence ("raised by 2 contributors") rather than the whole
    theme. The number of fragments is left out on purpose: three fragments by two people
    must not pass as "3 contributors"."""
    groups = len({f.group for f in cited if f.group})
    return {float(len({f.author for f in cited}))} | ({float(groups)} if groups else set())


def text_figures(texts: Iterable[str]) -> set[float]:
    """Numbers stated in evidence texts (what a statement may faithfully repeat)."""
    return {c.value for t in texts for c in claimed_numbers(t)}


def matches(claim: Claimed, figures: set[float]) -> bool:
    """Whether a written number equals a figure at the precision it was written.

    A percentage may be a fraction figure ×100 (percent agreement is stored as 0–1) or a
    figure already in percent, rounded to the written precision: "67%" and "66.7%" both
    match 0.6667. Other numbers may be rounded only when the figure itself has more than two
    decimals (a mean confidence of 3.6667 may be written 3.7); a median of 7.5 must be
    written 7.5, not 8.
    """
    for f in figures:
        if claim.percent:
            candidates = [f * 100.0, f]
        elif abs(f * 100 - round(f * 100)) < 1e-6:
            if math.isclose(f, claim.value, abs_tol=1e-9):
                return True
            continue
        else:
            candidates = [f]
        for c in candidates:
            if math.isclose(round(c, claim.decimals), claim.value, abs_tol=1e-9):
                return True
    return False


def _counted(n: int, noun: str) -> str:
    """Say "1 group" but "3 groups": the model copies the phrase, so it must read right."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_figures(theme: Theme, compact: bool = False) -> list[str]:
    """The figures as short phrases for the prompt, e.g. "7 fragments", "median 7".

    Compact (the overview) leaves out mean confidence; group names are never listed (the
    fragments carry them, and the minority sentence names a minority's group).
    """
    s = theme.stats
    out = [_counted(s.size, "fragment"), _counted(s.contributors, "contributor")]
    if s.groups:
        out.append(_counted(len(s.groups), "group"))
    if not compact:
        out.append(f"mean confidence {s.mean_confidence:.1f}")
    if s.stance_for or s.stance_against:
        out.append(f"{s.stance_for} for, {s.stance_against} against")
    r = s.ratings or {}
    if r.get("part") == "rejected" or r.get("direction") == "disagree":
        share = r.get("percent_disagreement")
        shown = f" ({round(float(share) * 100)}% in the disagreement band)" if share else ""
        out.append(f"the panel rejects what this theme says{shown}")
    elif "percent_agreement" in r:
        out.append(f"rated agreement {round(float(r['percent_agreement']) * 100)}%")
    for key in ("median", "iqr", "n"):
        if key in r and isinstance(r[key], int | float):
            out.append(f"{key} {r[key]:g}")
    counts = r.get("counts") or {}
    if counts.get("items", 0) > 1:
        calls = ", ".join(
            f"{counts[k]} {k.replace('_', ' ')}"
            for k in ("consensus", "divisive", "split", "no_agreement", "too_few")
            if counts.get(k)
        )
        out.append(f"{_counted(int(counts['items']), 'rated item')} ({calls})")
    if r.get("raters"):
        out.append(_counted(int(r["raters"]), "rater"))
    return out
