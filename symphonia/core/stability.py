"""Panel stability across rounds: Kendall's W and the paired Wilcoxon signed-rank test.

A Delphi study should stop when the panel's answers have stabilised, not after an arbitrary
number of rounds (von der Gracht 2012; Holey et al. 2007, BMC Med Res Methodol 7:52). Two
standard signals are computed here: how much the raters agree on the *ordering* of the items
(Kendall's W within a round) and whether each item's ratings shifted between rounds (Wilcoxon
signed-rank test on each rater's paired scores). The change in coefficient of variation, the
third signal, is in :mod:`symphonia.core.stats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

DEFAULT_ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class KendallResult:
    """Kendall's coefficient of concordance and its chi-square test."""

    w: float
    """0 = no agreement on the ordering of items, 1 = every rater ranks the items identically."""
    chi2: float
    df: int
    p_value: float
    n_raters: int
    """Raters actually used (those who rated every item)."""
    n_items: int
    dropped_raters: int
    """Raters left out because they skipped at least one item."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("w", "chi2", "p_value"):
            data[key] = round(data[key], 4)
        return data


def _as_matrix(
    matrix: Sequence[Sequence[float | None]] | npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    rows = [list(row) for row in matrix]
    if not rows:
        raise ValueError("Kendall's W: no raters given")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("Kendall's W: every rater row must have one entry per item")
    return np.array(
        [[np.nan if v is None else float(v) for v in row] for row in rows], dtype=np.float64
    ).reshape(len(rows), width)


def kendalls_w(
    matrix: Sequence[Sequence[float | None]] | npt.NDArray[np.float64],
) -> KendallResult:
    """Kendall's W for a raters × items matrix, with the correction for tied ranks.

    Each rater's scores are turned into average ranks across items; with R_j the rank sum of
    item j, S = Σ (R_j − mean R)² and
    ``W = 12 S / (m² (n³ − n) − m Σ T_i)``, where T_i = Σ (t³ − t) over the groups of t tied
    scores of rater i (Kendall & Babington Smith 1939; Siegel & Castellan 1988, §9.4). The tie
    correction matters for Delphi because Likert ratings are full of ties; without it W is
    biased low. The test statistic is Friedman's chi² = m (n − 1) W on n − 1 degrees of freedom
    (a large-sample approximation: treat p with care below ~7 items or ~4 raters).

    Missing ratings (None or NaN): raters who did not rate every item are dropped, because W
    compares complete rankings and imputing a rank would invent an opinion. Raises ValueError
    if fewer than 2 raters or 2 items remain, or if no rater distinguishes between any items
    (every score tied), where W is undefined.
    """
    data = _as_matrix(matrix)
    if data.shape[1] < 2:
        raise ValueError(f"Kendall's W needs at least 2 items; got {data.shape[1]}")
    complete = ~np.isnan(data).any(axis=1)
    dropped = int(np.count_nonzero(~complete))
    data = data[complete]
    m, n = data.shape
    if m < 2:
        raise ValueError(
            f"Kendall's W needs at least 2 raters who rated every item; {m} did "
            f"({dropped} dropped for missing ratings)"
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("Kendall's W: scores must be finite numbers")
    from scipy import stats as sps  # scipy.stats takes seconds to import: only when used

    ranks = np.vstack([sps.rankdata(row) for row in data])
    tie_sum = 0.0
    for row in data:
        _, counts = np.unique(row, return_counts=True)
        tie_sum += float(np.sum(counts.astype(np.float64) ** 3 - counts))
    denominator = m**2 * (n**3 - n) - m * tie_sum
    if denominator <= 0:
        raise ValueError(
            "Kendall's W is undefined: every rater gave all items the same score, "
            "so there is no ranking to agree on"
        )
    rank_sums = ranks.sum(axis=0)
    s = float(np.sum((rank_sums - rank_sums.mean()) ** 2))
    w = min(1.0, max(0.0, 12.0 * s / denominator))
    chi2 = m * (n - 1) * w
    df = n - 1
    p_value = float(sps.chi2.sf(chi2, df))
    return KendallResult(
        w=w,
        chi2=chi2,
        df=df,
        p_value=p_value,
        n_raters=m,
        n_items=n,
        dropped_raters=dropped,
    )


@dataclass(frozen=True, slots=True)
class WilcoxonResult:
    """Paired signed-rank test of one item's ratings between two rounds."""

    statistic: float
    p_value: float
    n_pairs: int
    """Raters who rated the item in both rounds."""
    n_changed: int
    """Of those, raters whose score changed (the test uses only these)."""
    significant: bool
    alpha: float = DEFAULT_ALPHA

    @property
    def small_sample(self) -> bool:
        """Fewer than 6 changed pairs: the exact two-sided test cannot reach p < 0.05 (the
        smallest possible p with 5 pairs is 2/32), so "not significant" says little."""
        return self.n_changed < 6

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["statistic"] = round(self.statistic, 4)
        data["p_value"] = round(self.p_value, 4)
        data["small_sample"] = self.small_sample
        return data


def wilcoxon_between_rounds(
    before: Mapping[str, float],
    after: Mapping[str, float],
    alpha: float = DEFAULT_ALPHA,
) -> WilcoxonResult:
    """Wilcoxon signed-rank test of the change in one item's ratings, paired by rater.

    Only raters present in both rounds are paired: the test asks whether *the same people*
    moved, so newcomers and drop-outs cannot fake a shift. Zero differences are discarded
    (Wilcoxon's original treatment, scipy's ``zero_method="wilcox"``) and the two-sided p-value
    comes from ``scipy.stats.wilcoxon`` with its default method (exact for small samples
    without ties, normal approximation otherwise). When no rater changed, there is no evidence
    of a shift: p = 1.0, statistic 0, not significant (scipy itself refuses or warns there).
    Small samples are computed all the same; ``n_pairs``/``n_changed`` tell the reader how
    little that p-value can say. Raises ValueError if no rater rated in both rounds.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    raters = sorted(set(before) & set(after))
    if not raters:
        raise ValueError("Wilcoxon test: no rater rated the item in both rounds")
    diffs = np.array([float(after[r]) - float(before[r]) for r in raters], dtype=np.float64)
    if not np.all(np.isfinite(diffs)):
        raise ValueError("Wilcoxon test: scores must be finite numbers")
    n_changed = int(np.count_nonzero(diffs))
    if n_changed == 0:
        return WilcoxonResult(0.0, 1.0, len(raters), 0, False, alpha)
    from scipy import stats as sps

    result = sps.wilcoxon(diffs, zero_method="wilcox", alternative="two-sided")
    statistic = float(result.statistic)
    p_value = float(result.pvalue)
    return WilcoxonResult(
        statistic=statistic,
        p_value=p_value,
        n_pairs=len(raters),
        n_changed=n_changed,
        significant=p_value < alpha,
        alpha=alpha,
    )
