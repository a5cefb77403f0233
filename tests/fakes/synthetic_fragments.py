"""Synthetic fragments for queue tests and benchmarks: varied sentences made from word
lists (no data set needed), so the real embedding model and clustering do real work.
Authors are E01..E15, the experts of the demo study's panel (rounds/connected-icb)."""

from __future__ import annotations

import random

from symphonia.core.fragments import Fragment, FragmentKind

SUBJECTS = (
    "Shared care records",
    "Community pharmacies",
    "Discharge teams",
    "GP practices",
    "Mental health trusts",
    "Social prescribers",
    "Ambulance services",
    "Care homes",
    "Council housing teams",
    "Virtual wards",
)
CLAIMS = (
    "need ringfenced budgets to",
    "struggle with consent rules when they",
    "would benefit if they could",
    "lack the staff to",
    "already pilot ways to",
    "are slowed by IT systems when they",
    "depend on volunteers to",
    "report better outcomes when they",
)
ACTIONS = (
    "share data across the ICB",
    "follow up patients after discharge",
    "reach housebound people",
    "coordinate with voluntary groups",
    "reduce waiting lists",
    "measure health inequalities",
    "train new staff",
    "support carers at night",
)
PLACES = ("in Leeds", "in rural areas", "in coastal towns", "across boroughs", "at weekends")
KINDS = (FragmentKind.CLAIM, FragmentKind.BARRIER, FragmentKind.EXAMPLE)


def synthetic_fragments(n: int, *, seed: int = 0, experts: int = 15) -> list[Fragment]:
    rng = random.Random(seed)
    return [
        Fragment(
            f"f{i:05d}",
            f"E{rng.randrange(experts) + 1:02d}",
            rng.choice(KINDS),
            f"{rng.choice(SUBJECTS)} {rng.choice(CLAIMS)} {rng.choice(ACTIONS)} "
            f"{rng.choice(PLACES)}.",
        )
        for i in range(n)
    ]
