"""How sure the panel's scores are: a bootstrap over raters, seeded so it never changes.

The uncertainty of a prioritisation is mostly *who happened to be on the panel*: another
fifteen people from the same groups would have scored a little differently. The bootstrap
asks exactly that (Efron & Tibshirani 1993, ch. 13): draw a panel of the same size from
the raters, with replacement, score every item from that panel by the study's rule, and
repeat. The percentile interval of an item's resampled scores is its confidence interval,
and the share of resampled panels that put the item in the top N says how settled its place
at the top is.

Raters are drawn jointly for all items (one resampled panel scores every item), so the
top-N shares come from coherent panels. A drawn rater who could not judge an item simply
contributes nothing to it; a resample in which nobody scored the item is left out of that
item's interval (and counted). Seeded with NumPy's PCG64 generator: the same scores, seed
and number of resamples give the same intervals, on every run and every machine.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from symphonia.core.priorities.definition import AggregationRule
from symphonia.core.priorities.ranking import TIE_DIGITS

CELLS_PER_BLOCK = 2_000_000
"""Resamples are drawn in blocks so memory stays small whatever the panel and item count."""


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    intervals: dict[str, tuple[float, float] | None]
    """Per item, the percentile interval of its resampled score (None: never scored)."""
    top_share: dict[str, float]
    """Per item, the share of resampled panels in which it ranked within the top `top`."""
    empty_resamples: dict[str, int]
    """Per item, resamples in which no drawn rater scored it (left out of its interval)."""
    samples: int
    confidence: float
    seed: int
    top: int


def score_matrix(
    by_rater: Mapping[str, Mapping[str, float]], items: Sequence[str]
) -> npt.NDArray[np.float64]:
    """Raters (sorted) × items, NaN where a rater gave no weighted score."""
    raters = sorted(by_rater)
    return np.array(
        [[by_rater[r].get(i, np.nan) for i in items] for r in raters], dtype=np.float64
    ).reshape(len(raters), len(items))


def _statistic(draws: npt.NDArray[np.float64], rule: AggregationRule) -> npt.NDArray[np.float64]:
    with warnings.catch_warnings():  # an all-NaN column is an empty resample, counted later
        warnings.simplefilter("ignore", RuntimeWarning)
        if rule is AggregationRule.WEIGHTED_MEDIAN:
            return np.asarray(np.nanmedian(draws, axis=1), dtype=np.float64)
        return np.asarray(np.nanmean(draws, axis=1), dtype=np.float64)


def _in_top(stat: npt.NDArray[np.float64], top: int) -> npt.NDArray[np.bool_]:
    """Per resample and item: ranked within the top `top` (competition ranks, ties shared)."""
    rounded = np.round(stat, TIE_DIGITS)
    filled = np.where(np.isnan(rounded), -np.inf, rounded)
    higher = (filled[:, None, :] > filled[:, :, None]).sum(axis=2)
    return np.asarray((higher + 1 <= top) & ~np.isnan(rounded), dtype=np.bool_)


def bootstrap_items(
    by_rater: Mapping[str, Mapping[str, float]],
    items: Sequence[str],
    rule: AggregationRule,
    *,
    samples: int,
    confidence: float,
    seed: int,
    top: int,
) -> BootstrapResult:
    """Percentile intervals and top-N shares of the items' scores (see the module docstring)."""
    if samples < 1:
        raise ValueError("the bootstrap needs at least one resample")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}")
    matrix = score_matrix(by_rater, items)
    n = matrix.shape[0]
    if n == 0 or not items:
        empty = dict.fromkeys(items, samples)
        none: dict[str, tuple[float, float] | None] = dict.fromkeys(items)
        return BootstrapResult(
            none, dict.fromkeys(items, 0.0), empty, samples, confidence, seed, top
        )
    rng = np.random.default_rng(seed)
    block = max(1, CELLS_PER_BLOCK // max(1, n * len(items)))
    stats: list[npt.NDArray[np.float64]] = []
    in_top = np.zeros(len(items), dtype=np.int64)
    done = 0
    while done < samples:
        size = min(block, samples - done)
        drawn = rng.integers(0, n, size=(size, n))
        stat = _statistic(matrix[drawn], rule)
        in_top += _in_top(stat, top).sum(axis=0)
        stats.append(stat)
        done += size
    every = np.vstack(stats)
    alpha = (1.0 - confidence) / 2.0
    intervals: dict[str, tuple[float, float] | None] = {}
    empty_resamples: dict[str, int] = {}
    for j, item in enumerate(items):
        column = every[:, j]
        finite = column[~np.isnan(column)]
        empty_resamples[item] = int(column.size - finite.size)
        if finite.size == 0:
            intervals[item] = None
            continue
        low, high = np.quantile(finite, [alpha, 1.0 - alpha])
        intervals[item] = (float(low), float(high))
    shares = {item: float(in_top[j]) / samples for j, item in enumerate(items)}
    return BootstrapResult(intervals, shares, empty_resamples, samples, confidence, seed, top)
