"""Delphi rating statistics for one item: agreement, spread and the RAND/UCLA call.

Everything here is a pure function of a list of scores, so the numbers that end up in a report
can be recomputed by anyone from the published ratings. Statistics of change across rounds
(Kendall's W, Wilcoxon) live in :mod:`symphonia.core.stability`.

Conventions, fixed here so every caller reports the same numbers:

* Quantiles (median, IQR, P30/P70) use linear interpolation between order statistics,
  Hyndman & Fan (1996) definition 7 — numpy's and scipy's default, and the method the RAND/UCLA
  manual uses for its percentiles. IQR therefore equals ``scipy.stats.iqr``.
* The standard deviation is the sample SD (``ddof=1``); one score has SD 0 by convention.
* Shares are fractions in [0, 1], not percentages; the ``percent_*`` keys of
  :func:`item_statistics` are such fractions too.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from symphonia.core.protocol import RatingScale

RAND_SCALE_MIN = 1
RAND_SCALE_MAX = 9
"""The RAND/UCLA method is calibrated on a 1–9 scale; other scales are mapped onto it."""

_EPS = 1e-9
"""Tolerance for comparisons of interpolated quantiles, so 7.000000001 vs 7 never flips a call."""

STORED_DIGITS = 4
"""Decimals kept in report dictionaries: enough to recompute a displayed percentage exactly
(and, with the number of ratings, the count behind a share: see `core.compare`)."""


def _as_array(scores: Sequence[float], what: str = "scores") -> npt.NDArray[np.float64]:
    """Validate and convert scores; refuse empty or non-finite input loudly, never guess."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{what}: expected a flat sequence of numbers, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what}: no scores given; the statistic is undefined for no ratings")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: scores must be finite numbers (found NaN or infinity)")
    return arr


def percent_agreement(scores: Sequence[float], band: tuple[int, int]) -> float:
    """Share of scores inside the inclusive ``band`` (e.g. 7–9), as a fraction in [0, 1].

    This is the classic Delphi consensus criterion (Diamond et al. 2014, J Clin Epidemiol
    67:401): "at least X % of panellists rated in the agreement range". The band is inclusive
    at both ends because Likert points are discrete categories.
    """
    low, high = band
    if low > high:
        raise ValueError(f"band: lower end {low} is above upper end {high}")
    arr = _as_array(scores)
    return float(np.count_nonzero((arr >= low) & (arr <= high)) / arr.size)


def median(scores: Sequence[float]) -> float:
    """The panel median, the central tendency Delphi reports use because ratings are ordinal."""
    return float(np.median(_as_array(scores)))


def iqr(scores: Sequence[float]) -> float:
    """Interquartile range Q3 − Q1 with linear interpolation (Hyndman–Fan type 7).

    The IQR is the usual Delphi dispersion criterion (e.g. IQR ≤ 1 on a 1–5 or ≤ 2 on a 1–9
    scale, von der Gracht 2012, Technol Forecast Soc Change 79:1525). Type 7 is numpy's default
    and matches ``scipy.stats.iqr``, so the figure can be checked with standard tools.
    """
    q1, q3 = np.percentile(_as_array(scores), [25, 75])
    return float(q3 - q1)


def mean(scores: Sequence[float]) -> float:
    """Arithmetic mean; reported for completeness and as the denominator of the CV."""
    return float(np.mean(_as_array(scores)))


def standard_deviation(scores: Sequence[float]) -> float:
    """Sample standard deviation (``ddof=1``); a single score has no spread, so 0.0."""
    arr = _as_array(scores)
    if arr.size == 1:
        return 0.0
    return float(np.std(arr, ddof=1))


def coefficient_of_variation(scores: Sequence[float]) -> float:
    """CV = SD / |mean|, the relative spread used to judge Delphi stability.

    English & Kernan (1976) and Dajani et al. (1979) use the change in CV between rounds as a
    stopping criterion: once the panel's relative spread stops moving, more rounds add little.
    Raises ValueError when the mean is 0 (CV undefined; it only makes sense on positive scales).
    """
    m = mean(scores)
    if abs(m) < _EPS:
        raise ValueError("coefficient of variation is undefined when the mean is 0")
    return standard_deviation(scores) / abs(m)


def cv_change(before_scores: Sequence[float], after_scores: Sequence[float]) -> float:
    """Absolute change in coefficient of variation between two rounds, ``|CV_after − CV_before|``.

    Absolute, because the stopping rule asks whether the spread still moves, not which way.
    """
    return abs(coefficient_of_variation(after_scores) - coefficient_of_variation(before_scores))


def group_agreement(
    scores_by_group: Mapping[str, Sequence[float]], band: tuple[int, int]
) -> dict[str, float]:
    """Share of each stakeholder group's scores inside ``band``.

    A consensus carried by one group and rejected by another is not a panel consensus
    (DESIGN.md §4.5), so the share is reported per group. An empty group raises ValueError
    naming the group, since a group that did not rate cannot be said to agree.
    """
    result: dict[str, float] = {}
    for group, scores in scores_by_group.items():
        if len(scores) == 0:
            raise ValueError(f"group {group!r}: no scores; cannot compute its agreement")
        result[group] = percent_agreement(scores, band)
    return result


class Appropriateness(enum.StrEnum):
    """The RAND/UCLA three-way call."""

    APPROPRIATE = "appropriate"
    UNCERTAIN = "uncertain"
    INAPPROPRIATE = "inappropriate"


@dataclass(frozen=True, slots=True)
class RandUclaResult:
    """RAND/UCLA statistics, on the study's own scale (see :func:`rand_ucla`)."""

    median: float
    p30: float
    p70: float
    ipr: float
    """Interpercentile range P70 − P30."""
    axial_point_of_symmetry: float
    """(P30 + P70) / 2: where the central 40 % of ratings sits."""
    ipras: float
    """IPR Adjusted for Symmetry: the largest IPR that still counts as agreement."""
    disagreement: bool
    appropriateness: Appropriateness

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, float):
                data[key] = round(value, STORED_DIGITS)
        data["appropriateness"] = self.appropriateness.value
        return data


def _to_rand_scale(value: float, scale: RatingScale) -> float:
    """Map a value linearly from the study's scale onto 1–9 (multiply first: exact for ints)."""
    span = scale.maximum - scale.minimum
    return RAND_SCALE_MIN + (value - scale.minimum) * (RAND_SCALE_MAX - RAND_SCALE_MIN) / span


def rand_ucla(scores: Sequence[float], scale: RatingScale | None = None) -> RandUclaResult:
    """RAND/UCLA Appropriateness Method call (Fitch et al. 2001, *The RAND/UCLA Appropriateness
    Method User's Manual*, RAND MR-1269, ch. 8).

    * P30 and P70 by linear interpolation, as the manual does; IPR = P70 − P30.
    * APS (axial point of symmetry) = (P30 + P70) / 2.
    * IPRAS = 2.35 + 1.5·|5 − APS|: the IPR tolerated for agreement grows as ratings move away
      from the scale centre, because asymmetric distributions are naturally narrower.
    * Disagreement when IPR > IPRAS (strictly; the manual's rule).
    * Appropriate: median 7–9 without disagreement; inappropriate: median 1–3 without
      disagreement; uncertain otherwise (median 4–6, or any median with disagreement). Medians
      falling between the bands (3.5, 6.5) count as uncertain: the method never rounds a panel
      into agreement.

    The constants 2.35 and 1.5 are calibrated for a 1–9 scale. On any other scale the scores
    are rescaled linearly onto 1–9 (``1 + 8·(x − min)/(max − min)``) before the rule is applied;
    the results are then mapped back, so every field is reported in the study's own units
    (quantiles are equivariant under such a map, so nothing is lost). On 1–5, for example, a
    median of 4 or more is "appropriate" and 2 or less "inappropriate".
    """
    scale = scale or RatingScale(RAND_SCALE_MIN, RAND_SCALE_MAX)
    arr = _as_array(scores)
    rescaled = np.array([_to_rand_scale(float(x), scale) for x in arr], dtype=np.float64)
    med9 = float(np.median(rescaled))
    p30_9, p70_9 = (float(v) for v in np.percentile(rescaled, [30, 70]))
    ipr9 = p70_9 - p30_9
    aps9 = (p30_9 + p70_9) / 2
    ipras9 = 2.35 + 1.5 * abs(5 - aps9)
    disagreement = ipr9 > ipras9 + _EPS
    if disagreement:
        call = Appropriateness.UNCERTAIN
    elif med9 >= 7 - _EPS:
        call = Appropriateness.APPROPRIATE
    elif med9 <= 3 + _EPS:
        call = Appropriateness.INAPPROPRIATE
    else:
        call = Appropriateness.UNCERTAIN

    unit = (scale.maximum - scale.minimum) / (RAND_SCALE_MAX - RAND_SCALE_MIN)

    def back(v: float) -> float:
        return scale.minimum + (v - RAND_SCALE_MIN) * unit

    return RandUclaResult(
        median=back(med9),
        p30=back(p30_9),
        p70=back(p70_9),
        ipr=ipr9 * unit,
        axial_point_of_symmetry=back(aps9),
        ipras=ipras9 * unit,
        disagreement=disagreement,
        appropriateness=call,
    )


def _rounded(value: float) -> float:
    return round(value, STORED_DIGITS)


def item_statistics(scores: Sequence[float], scale: RatingScale) -> dict[str, Any]:
    """All per-item figures a report shows, as a JSON-ready dict of plain, rounded numbers.

    ``percent_agreement`` is the share in the scale's upper third, ``percent_disagreement`` the
    share in its lower third (both fractions in [0, 1]). ``cv`` is None when undefined (mean 0).
    Values are rounded to 4 decimals so a report can show e.g. 77.8 % and still be checked.
    """
    arr = _as_array(scores)
    values = [float(x) for x in arr]
    agree_band = scale.agreement_band()
    disagree_band = scale.disagreement_band()
    try:
        cv: float | None = _rounded(coefficient_of_variation(values))
    except ValueError:
        cv = None
    return {
        "n": len(values),
        "scale": [scale.minimum, scale.maximum],
        "median": _rounded(median(values)),
        "iqr": _rounded(iqr(values)),
        "mean": _rounded(mean(values)),
        "sd": _rounded(standard_deviation(values)),
        "agreement_band": list(agree_band),
        "disagreement_band": list(disagree_band),
        "percent_agreement": _rounded(percent_agreement(values, agree_band)),
        "percent_disagreement": _rounded(percent_agreement(values, disagree_band)),
        "cv": cv,
        "rand_ucla": rand_ucla(values, scale).as_dict(),
    }
