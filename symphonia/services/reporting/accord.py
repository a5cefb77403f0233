"""The ACCORD checklist, item by item: where this report answers it, or why it does not.

ACCORD (ACcurate COnsensus Reporting Document; Gattrell et al., PLoS Med 2024;21(1):
e1004326; explanation and elaboration: Logullo et al., PLoS Med 2024;21(5):e1004390) is the
reporting guideline for consensus methods: 35 items under title (1), introduction (3),
methods (21), results (5), discussion (2) and other information (3). The topics below are
paraphrased, not the guideline's wording: authors completing the checklist for a journal
should use the published form. What a report generated from the records can say is limited
to what the records hold; every item the records cannot answer says so and why, so the
study team knows what to add by hand, and nothing is claimed that the platform did not do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from symphonia.services.reporting import anchors
from symphonia.services.reporting.methods_model import AccordItem, MethodsAppendix

REPORTED = "reported"
PARTLY = "partly reported"
NOT_REPORTED = "not reported"
NOT_APPLICABLE = "not applicable"

CITATION = (
    "Gattrell WT, Logullo P, van Zuuren EJ, et al. ACCORD (ACcurate COnsensus Reporting "
    "Document): a reporting guideline for consensus methods in biomedicine developed via a "
    "modified Delphi. PLoS Med. 2024;21(1):e1004326. doi:10.1371/journal.pmed.1004326"
)
NOT_IN_RECORDS = "the study records hold no {what}; the study team must report it"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the checklist needs to know about this report."""

    methods: MethodsAppendix
    question: str
    description: str
    consensus_statements: int
    contested: int
    gaps: int
    rated_items: int
    amendments: int
    ledger: int
    anonymity: str
    dated_rounds: int


Answer = tuple[str, str | None, str]
Rule = Callable[[Facts], Answer]


def _missing(what: str) -> Rule:
    return lambda _f: (NOT_REPORTED, None, NOT_IN_RECORDS.format(what=what))


def _title(f: Facts) -> Answer:
    return (REPORTED, anchors.SUMMARY, "the report is headed as a Delphi consensus report")


def _aim(f: Facts) -> Answer:
    if f.description.strip():
        return (
            PARTLY,
            anchors.QUESTION,
            "the question and the study's description; "
            "the intended audience and geographical scope are not recorded",
        )
    return (PARTLY, anchors.QUESTION, "the question; audience and scope are not recorded")


def _protocol(f: Facts) -> Answer:
    locked = f.methods.protocol.locked_at
    if locked is None:
        return (PARTLY, anchors.PROTOCOL, "the protocol is stated but was not locked")
    return (
        REPORTED,
        anchors.PROTOCOL,
        f"pre-registered protocol, locked {locked:%Y-%m-%d %H:%M} UTC when round 1 opened",
    )


def _staff(f: Facts) -> Answer:
    if not f.methods.panel.staff:
        return (NOT_REPORTED, None, NOT_IN_RECORDS.format(what="staff roles"))
    return (
        PARTLY,
        anchors.PANEL,
        "how many facilitators and editors held a role; their individual roles are not recorded",
    )


def _selection(f: Facts) -> Answer:
    if f.methods.panel.groups:
        return (
            PARTLY,
            anchors.PANEL,
            "panel size by stakeholder group; the selection criteria are not recorded",
        )
    return (PARTLY, anchors.PANEL, "panel size; the selection criteria are not recorded")


def _items_made(f: Facts) -> Answer:
    return (
        REPORTED,
        anchors.DRAFTING,
        "statements drafted from the panel's own fragments "
        "(themes, drafter, guard), each citing the fragments behind it",
    )


def _method(f: Facts) -> Answer:
    kinds = ", ".join(f"round {r.number} {r.kind}" for r in f.methods.flow)
    return (REPORTED, anchors.FLOW, f"Delphi rounds as held: {kinds}")


def _rounds(f: Facts) -> Answer:
    s = f.methods.stopping
    return (
        REPORTED,
        anchors.STOPPING,
        f"{s.rounds_held} round(s) held of at most {s.rounds_planned}; stopping rule stated",
    )


def _consensus(f: Facts) -> Answer:
    return (REPORTED, anchors.PROTOCOL, "the pre-registered consensus rule and thresholds")


def _collection(f: Facts) -> Answer:
    return (
        REPORTED,
        anchors.PROTOCOL,
        "fragments of declared kinds and ratings on the "
        "protocol's scale, collected on the platform or imported from files",
    )


def _handling(f: Facts) -> Answer:
    if f.amendments:
        return (REPORTED, anchors.AMENDMENTS, f"{f.amendments} editor amendment(s) with reasons")
    return (
        PARTLY,
        anchors.DRAFTING,
        "each rating round rates the previous synthesis; no editor amended this version",
    )


def _anonymity(f: Facts) -> Answer:
    return (REPORTED, anchors.PANEL, f"the panel was {f.anonymity}")


def _technology(f: Facts) -> Answer:
    d = f.methods.drafting
    model = f"language model {d.model}" if d.model else "no language model (extractive)"
    return (REPORTED, anchors.DRAFTING, f"drafter {d.drafter}, {model}, faithfulness guard")


def _analysis(f: Facts) -> Answer:
    where = anchors.STABILITY if f.methods.stability else anchors.PROTOCOL
    return (
        REPORTED,
        where,
        "percent agreement, median, IQR, per-group agreement; "
        "Kendall's W, Wilcoxon and change in CV between rating rounds",
    )


def _dates(f: Facts) -> Answer:
    if f.dated_rounds:
        return (REPORTED, anchors.FLOW, "round dates from the schedule")
    return (NOT_REPORTED, None, NOT_IN_RECORDS.format(what="round dates"))


def _participants(f: Facts) -> Answer:
    return (REPORTED, anchors.FLOW, "participation and attrition per round and group")


def _outcome(f: Facts) -> Answer:
    if f.rated_items:
        return (
            REPORTED,
            anchors.section("consensus"),
            f"{f.consensus_statements} consensus statement(s) with agreement figures",
        )
    return (
        PARTLY,
        anchors.section("consensus"),
        "consensus called from the contributions; no panel rating yet",
    )


def _non_consensus(f: Facts) -> Answer:
    return (
        REPORTED,
        anchors.CONTESTED,
        f"{f.contested} contested issue(s), {f.gaps} gap(s), dissent ledger ({f.ledger})",
    )


def _deviations(f: Facts) -> Answer:
    if f.methods.protocol.locked_at is not None:
        return (
            REPORTED,
            anchors.PROTOCOL,
            "none possible: the platform refuses any change to the protocol after it locked",
        )
    return (NOT_REPORTED, None, "the protocol never locked, so changes were possible")


def _limitations(f: Facts) -> Answer:
    return (
        PARTLY,
        anchors.DRAFTING,
        "guard flags, model fallbacks and the dissent ledger "
        "are listed; a discussion of limitations is for the study team",
    )


def _data(f: Facts) -> Answer:
    return (
        REPORTED,
        anchors.EVIDENCE,
        "every fragment is in the evidence appendix; the CSV, "
        "JSON and PROV-JSON exports hold the records",
    )


ITEMS: tuple[tuple[str, str, str, str, Rule], ...] = (
    ("T1", "Title", "Title", "identifies a consensus exercise and its method", _title),
    (
        "I1",
        "Introduction",
        "Background",
        "why a consensus method was chosen",
        _missing("rationale for choosing a consensus method"),
    ),
    ("I2", "Introduction", "Aim", "aim, intended audience and scope", _aim),
    (
        "I3",
        "Introduction",
        "Update",
        "whether it updates an earlier document, and why",
        _missing("link to an earlier consensus document"),
    ),
    ("M1", "Methods", "Registration", "registry and registration number", _missing("registration")),
    ("M2", "Methods", "Protocol", "where the protocol is and how it was fixed", _protocol),
    ("M3", "Methods", "Steering committee", "who planned and ran the exercise", _staff),
    (
        "M4",
        "Methods",
        "Steering committee selection",
        "how they were chosen",
        _missing("criteria for choosing the organisers"),
    ),
    ("M5", "Methods", "Panel selection", "eligibility and expertise of panellists", _selection),
    (
        "M6",
        "Methods",
        "Recruitment",
        "how panellists were invited and recruited",
        _missing("recruitment process"),
    ),
    (
        "M7",
        "Methods",
        "Incentives",
        "any compensation for panellists",
        _missing("incentives or compensation"),
    ),
    (
        "M8",
        "Methods",
        "Preparatory research",
        "what was done before generating items",
        _missing("preparatory research"),
    ),
    (
        "M9",
        "Methods",
        "Literature review",
        "any literature review and its methods",
        _missing("literature review"),
    ),
    (
        "M10",
        "Methods",
        "Generating items",
        "how statements or questions were produced",
        _items_made,
    ),
    ("M11", "Methods", "Consensus method", "the method and any modifications", _method),
    ("M12", "Methods", "Rounds", "number of rounds and when to stop", _rounds),
    ("M13", "Methods", "Definition of consensus", "the pre-specified threshold", _consensus),
    (
        "M14",
        "Methods",
        "Data collection",
        "how responses were gathered, and the scale",
        _collection,
    ),
    (
        "M15",
        "Methods",
        "Feedback",
        "what panellists were shown between rounds",
        _missing("record of the feedback shown between rounds"),
    ),
    (
        "M16",
        "Methods",
        "Handling of items",
        "items added, changed or dropped between rounds",
        _handling,
    ),
    ("M17", "Methods", "Anonymity and bias", "anonymity and steps against bias", _anonymity),
    (
        "M18",
        "Methods",
        "Facilitation and tools",
        "who facilitated, which tools (incl. AI)",
        _technology,
    ),
    ("M19", "Methods", "Pilot testing", "any piloting of materials", _missing("pilot testing")),
    ("M20", "Methods", "Analysis", "statistics of agreement and stability", _analysis),
    (
        "M21",
        "Methods",
        "Ethics",
        "ethics approval and informed consent",
        _missing("ethics approval or consent"),
    ),
    ("R1", "Results", "Time taken", "when each round ran", _dates),
    ("R2", "Results", "Participants", "numbers per round, response and attrition", _participants),
    ("R3", "Results", "Outcome", "agreed statements with their agreement", _outcome),
    ("R4", "Results", "Non-consensus", "items without consensus, dissent", _non_consensus),
    ("R5", "Results", "Deviations", "changes from the protocol", _deviations),
    (
        "D1",
        "Discussion",
        "Interpretation",
        "findings in context",
        lambda _f: (
            NOT_REPORTED,
            None,
            "interpretation is for the study team: the platform "
            "reports what the panel said and never adjudicates",
        ),
    ),
    ("D2", "Discussion", "Limitations", "strengths and limitations of the method", _limitations),
    ("O1", "Other information", "Funding", "funding and the funders' role", _missing("funding")),
    (
        "O2",
        "Other information",
        "Conflicts of interest",
        "declared interests",
        _missing("declarations of interest"),
    ),
    ("O3", "Other information", "Data availability", "where the data and materials are", _data),
)


def checklist(facts: Facts) -> tuple[AccordItem, ...]:
    out = []
    for item_id, section, topic, asks, rule in ITEMS:
        status, where, answer = rule(facts)
        out.append(AccordItem(item_id, section, topic, asks, status, where, answer))
    return tuple(out)
