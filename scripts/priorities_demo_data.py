"""Write the SYNTHETIC scores of the demo study rounds/connected-icb-priorities.

Everything here is invented: each use case has a made-up typical score per criterion, some
stakeholder groups lean away from it on some criteria, every panellist adds their own noise,
and some say "cannot judge" where their role gives them no basis (a parent representative on
cost, a clinician on the readiness of education data). Round 2 is the panel after feedback:
most scores move part of the way to the round-1 median, a few move for reasons the round
brought out (the oral-health scheme proved cheap and ready; the passport's data gaps came to
light), one researcher did not take part, and the split over the predictive EHCP model holds:
school leaders and parent representatives score its impact and public trust far lower than
the local-authority analysts and commissioners do.

Run from the repository root: ``python scripts/priorities_demo_data.py``. Seeded, so the
files it writes are always the same.
"""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

STUDY = Path(__file__).resolve().parents[1] / "rounds" / "connected-icb-priorities"
CRITERIA = ("impact", "feasibility", "data_readiness", "trust", "cost")
PANEL = {
    "E01": "clinician", "E02": "clinician", "E03": "la_analyst", "E04": "la_analyst",
    "E05": "ig_lead", "E06": "ig_lead", "E07": "school_leader", "E08": "school_leader",
    "E09": "researcher", "E10": "researcher", "E11": "researcher", "E12": "parent_rep",
    "E13": "parent_rep", "E14": "icb_commissioner", "E15": "icb_commissioner",
}  # fmt: skip

# Typical scores (impact, feasibility, data readiness, trust, cost: 9 = very expensive).
TYPICAL = {
    "passport": (8, 5, 6, 6, 6),
    "readiness": (7, 6, 7, 6, 4),
    "post16": (7, 6, 6, 6, 5),
    "oral-health": (6, 7, 6, 8, 3),
    "ehcp-model": (7, 6, 7, 6, 4),
    "social-rx": (8, 4, 3, 7, 7),
    "spld": (7, 6, 5, 7, 4),
    "camhs-waits": (8, 5, 5, 6, 5),
    "asthma-absence": (6, 7, 6, 8, 3),
    "care-leavers": (7, 7, 6, 7, 4),
    "early-help-flags": (6, 4, 5, 3, 6),
    "speech-language": (7, 7, 5, 8, 4),
}
# (item, group) -> offsets per criterion: where a group leans away from the panel.
LEAN = {
    ("ehcp-model", "la_analyst"): (2, 1, 1, 2, 0),
    ("ehcp-model", "icb_commissioner"): (2, 1, 0, 1, 0),
    ("ehcp-model", "school_leader"): (-4, -1, 0, -4, 0),
    ("ehcp-model", "parent_rep"): (-4, 0, 0, -5, 0),
    ("early-help-flags", "la_analyst"): (2, 1, 1, 2, 0),
    ("early-help-flags", "parent_rep"): (-1, 0, 0, -2, 0),
    ("early-help-flags", "ig_lead"): (0, 0, 0, -2, 0),
    ("readiness", "school_leader"): (1, 0, 0, 0, 0),
    ("readiness", "parent_rep"): (-1, 0, 0, -2, 0),
    ("passport", "school_leader"): (1, 0, 0, 1, 0),
    ("passport", "parent_rep"): (1, 0, 0, 1, 0),
    ("camhs-waits", "clinician"): (1, -1, 0, 0, 0),
    ("spld", "school_leader"): (1, 1, 0, 0, 0),
    ("social-rx", "clinician"): (1, 0, 0, 0, 0),
}
# Where a role gives no basis to judge: (group, criterion, items or None for all) -> chance.
CANNOT = [
    ("parent_rep", "cost", None, 0.7),
    ("parent_rep", "data_readiness", None, 0.4),
    (
        "school_leader",
        "cost",
        ("oral-health", "asthma-absence", "camhs-waits", "care-leavers"),
        0.6,
    ),
    ("clinician", "data_readiness", ("passport", "spld", "post16"), 0.6),
    ("researcher", "cost", ("social-rx", "care-leavers"), 0.5),
]  # fmt: skip
# Round 2: moves the round brought out, per (item, criterion), for everyone.
DRIFT = {
    ("oral-health", "feasibility"): 1.5,
    ("oral-health", "cost"): -1.0,
    ("passport", "data_readiness"): -1.5,
    ("social-rx", "feasibility"): 1.0,
    ("readiness", "trust"): -1.0,
}
HOLDING = {("ehcp-model", "school_leader"), ("ehcp-model", "parent_rep")}
"""Groups that do not move toward the panel on an item: the split holds."""
ABSENT_IN_ROUND_2 = {"E11"}


def clip(value: float) -> int:
    return max(1, min(9, round(value)))


def cannot_judge(rnd: random.Random, group: str, criterion: str, item: str) -> bool:
    for who, what, items, chance in CANNOT:
        if who == group and what == criterion and (items is None or item in items):
            return rnd.random() < chance
    return False


def round_one(rnd: random.Random) -> dict[tuple[str, str, str], int | None]:
    scores: dict[tuple[str, str, str], int | None] = {}
    for rater, group in PANEL.items():
        bias = rnd.gauss(0, 0.5)  # some panellists score high, some low
        for item, typical in TYPICAL.items():
            lean = LEAN.get((item, group), (0,) * len(CRITERIA))
            for c, criterion in enumerate(CRITERIA):
                if cannot_judge(rnd, group, criterion, item):
                    scores[(item, criterion, rater)] = None
                    continue
                value = typical[c] + lean[c] + bias + rnd.gauss(0, 0.9)
                scores[(item, criterion, rater)] = clip(value)
    return scores


def round_two(
    rnd: random.Random, first: dict[tuple[str, str, str], int | None]
) -> dict[tuple[str, str, str], int | None]:
    medians = {}
    for item in TYPICAL:
        for criterion in CRITERIA:
            values = [
                v
                for (i, c, _), v in first.items()
                if i == item and c == criterion and v is not None
            ]
            medians[(item, criterion)] = statistics.median(values)
    scores: dict[tuple[str, str, str], int | None] = {}
    for (item, criterion, rater), before in first.items():
        if rater in ABSENT_IN_ROUND_2:
            continue
        if before is None:
            scores[(item, criterion, rater)] = None
            continue
        pull = 0.0 if (item, PANEL[rater]) in HOLDING else 0.5
        value = before + pull * (medians[(item, criterion)] - before)
        value += DRIFT.get((item, criterion), 0.0) + rnd.gauss(0, 0.3)
        scores[(item, criterion, rater)] = clip(value)
    return scores


def write(path: Path, scores: dict[tuple[str, str, str], int | None]) -> None:
    lines = [
        json.dumps({"item": i, "criterion": c, "rater": r, "score": v})
        for (i, c, r), v in sorted(scores.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1]))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    rnd = random.Random(20250301)
    first = round_one(rnd)
    write(STUDY / "round1-scores.jsonl", first)
    write(STUDY / "round2-scores.jsonl", round_two(rnd, first))


if __name__ == "__main__":
    main()
