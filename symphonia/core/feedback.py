"""The panel's answers to one question in one round, as Delphi's controlled feedback shows
them: how many gave each point of the scale, how many could not judge, the median and the
interquartile range.

"Cannot judge" is an answer, not a score: it counts as taking part (`answered`) and is shown
beside the distribution, but no statistic reads it. The quartiles are the reports' own
(:func:`symphonia.core.stats.iqr`, Hyndman–Fan type 7), so the figures an expert sees
between rounds are the figures the report prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from symphonia.core.protocol import RatingScale
from symphonia.core.ratings import num


@dataclass(frozen=True, slots=True)
class Distribution:
    """One question's answers in one round, without who gave them."""

    counts: tuple[tuple[int, int], ...]
    """(score, how many gave it) for every point of the scale, lowest first."""
    cannot_judge: int
    median: float | None
    """None when nobody gave a score."""
    q1: float | None
    q3: float | None

    @property
    def scored(self) -> int:
        """How many gave a score (the base of every statistic)."""
        return sum(n for _, n in self.counts)

    @property
    def answered(self) -> int:
        """How many answered at all, "cannot judge" included (participation)."""
        return self.scored + self.cannot_judge

    @property
    def iqr(self) -> float | None:
        return None if self.q1 is None or self.q3 is None else self.q3 - self.q1

    def summary(self) -> str:
        """The figures in words, the text equivalent of the chart."""
        judge = f"; {self.cannot_judge} could not judge" if self.cannot_judge else ""
        if self.median is None or self.q1 is None or self.q3 is None:
            return f"nobody gave a score{judge}"
        given = ", ".join(f"{n} gave {score}" for score, n in self.counts if n)
        return (
            f"median {num(self.median)}, interquartile range {num(self.q1)}–{num(self.q3)} "
            f"({self.scored} score{'s' if self.scored != 1 else ''}: {given}){judge}"
        )


def distribution(answers: Iterable[int | None], scale: RatingScale) -> Distribution:
    """The distribution of `answers` (None: cannot judge) on `scale`.

    Raises ValueError for a score off the scale: stored answers were checked when they were
    given, so one off the scale means the scale changed under them, and silently dropping it
    would misstate the panel.
    """
    given: list[int] = []
    cannot = 0
    for answer in answers:
        if answer is None:
            cannot += 1
        elif not scale.contains(answer):
            raise ValueError(f"score {answer} is off the scale {scale.minimum}–{scale.maximum}")
        else:
            given.append(int(answer))
    tally = Counter(given)
    counts = tuple((p, tally[p]) for p in range(scale.minimum, scale.maximum + 1))
    if not given:
        return Distribution(counts, cannot, None, None, None)
    q1, med, q3 = (float(v) for v in np.percentile(np.asarray(given, float), [25, 50, 75]))
    return Distribution(counts, cannot, med, q1, q3)
