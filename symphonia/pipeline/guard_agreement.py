"""Guard check (c) and the minority rule: no statement claims more agreement than the data.

- A statement may only sit in a section its theme's status allows (`guard_policy`): a
  contested or gap theme never lands in the consensus section.
- Unanimity wording ("unanimous", "all experts agree", "everyone") is flagged unless the
  panel's ratings show 100 % agreement: a theme's fragments come from part of the panel, so
  unanimity cannot be read off them. Consensus is not unanimity.
- "Consensus"/"agreement" wording is flagged on a theme that is not a consensus, or whose
  rated agreement is below the study's threshold — unless negated ("no consensus").
- Strength "strong" is flagged on a contested or gap theme, a minority theme, or a rated
  theme below the agreement threshold.
- A minority theme's statements (other than candidate actions) must name it as a minority
  view; the extractive drafter does so from `Theme.minority`, the LLM prompt asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from symphonia.core.synthesis import Section, Statement, Strength
from symphonia.core.themes import Theme, ThemeStatus
from symphonia.pipeline.guard_policy import allowed_sections, is_minority

DEFAULT_AGREEMENT_THRESHOLD = 0.70
"""Same default as `core.protocol.Protocol.agreement_threshold`; pass the study's own."""

Flag = dict[str, str]

_UNANIMITY = re.compile(
    r"\b(unanimous(ly)?|unanimity|without exception|universal(ly)? (agree\w*|support\w*)|"
    r"(full|complete|total|absolute|universal) (consensus|agreement)|"
    r"(everyone|everybody|the (whole|entire) panel|all (of )?(the )?(experts|participants|"
    r"panel(l)?ists|contributors|respondents|members|stakeholders|groups))"
    r"( \w+){0,2} (agree\w*|support\w*|accept\w*|endorse\w*|want\w*|back\w*|share\w*|"
    r"concur\w*|favou?r\w*))\b",
    re.IGNORECASE,
)
"""Claims that everyone agrees (not every use of "everyone": "everyone should have a right"
is content, not a claim about the panel)."""
_AGREEMENT = re.compile(
    r"\b(consensus|agreement|concurrence|broad(ly)? (support\w*|agree\w*)|"
    r"widely (held|shared|agreed)|(panel|experts|participants|contributors|respondents|"
    r"panel(l)?ists) (broadly |largely |generally )?agree(d)?)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(no|not|never|lack(s|ing)?( of)?|without|little|absence of|"
    r"neither|nor|weak|limited|contested|divided)\W+(\w+\W+){0,3}$",
    re.IGNORECASE,
)
_FIGURE_NEARBY = re.compile(r"\d|\bband\b|\brate\b|\bpercent", re.IGNORECASE)
"""Agreement words next to a figure report a statistic ("78% agreement"), not a claim."""
_MINORITY = re.compile(r"\bminority\b", re.IGNORECASE)
_COUNTED = re.compile(r"\b\d+\s+$")
"""A number right before "consensus" counts items ("5 consensus, 2 divisive"): a figure."""


def _flag(code: str, message: str) -> Flag:
    return {"code": code, "message": message}


def _rated_agreement(theme: Theme) -> float | None:
    """The rated share behind the theme's call: in the agreement band, or in the
    disagreement band for a consensus on rejection (whose agreement share is near 0)."""
    ratings = theme.stats.ratings or {}
    rejected = ratings.get("direction") == "disagree" or ratings.get("part") == "rejected"
    value = ratings.get("percent_disagreement" if rejected else "percent_agreement")
    return float(value) if isinstance(value, int | float) else None


def _asserted_agreement(text: str) -> str | None:
    """The first agreement word used affirmatively (not "no consensus", "disagreement")."""
    for m in _AGREEMENT.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        around = text[max(0, m.start() - 15) : m.end() + 15]
        reports_figure = (m.group(0).lower() == "agreement" and _FIGURE_NEARBY.search(around)) or (
            m.group(0).lower() == "consensus" and _COUNTED.search(before)
        )
        if _NEGATION.search(before) or reports_figure:
            continue
        return m.group(0)
    return None


_QUOTED = re.compile(r"\u201c([^\u201d]*)\u201d|\"([^\"]*)\"")


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .,;:!?\u2026")


def own_words(text: str, cited_texts: Sequence[str]) -> str:
    """The statement's text without verbatim quotations of its cited evidence.

    A contributor who writes "everyone I work with agrees" is quoted, not claimed: agreement
    wording inside a quotation that matches a cited fragment is the evidence speaking, and
    "reported as ordinary content" is exactly what a quoted injection attempt should be. A
    quotation that matches no cited fragment is kept, so quotes cannot launder a claim.
    """
    sources = [_norm(t) for t in cited_texts]

    def strip(m: re.Match[str]) -> str:
        inner = _norm(m.group(1) if m.group(1) is not None else m.group(2))
        return " " if inner and any(inner in src for src in sources) else m.group(0)

    return _QUOTED.sub(strip, text)


def agreement_flags(
    statement: Statement,
    theme: Theme,
    agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD,
    claim_text: str | None = None,
) -> list[Flag]:
    """Flags for a statement of a theme that overstates agreement or sits in a wrong section.

    `claim_text` is the statement in its own words (see `own_words`); defaults to its text.
    """
    claim = statement.text if claim_text is None else claim_text
    flags: list[Flag] = []
    status = theme.status
    rated = _rated_agreement(theme)
    weakly_rated = rated is not None and rated < agreement_threshold
    if statement.section not in allowed_sections(theme):
        code = (
            "contested_as_consensus"
            if statement.section is Section.CONSENSUS
            else ("wrong_section")
        )
        flags.append(
            _flag(
                code,
                f"a {status.value}{' minority' if is_minority(theme) else ''} theme cannot "
                f"appear in the {statement.section.value} section",
            )
        )
    unanimity = _UNANIMITY.search(claim)
    if unanimity and not (rated is not None and rated >= 1.0):
        flags.append(
            _flag(
                "overstated_agreement",
                f"{unanimity.group(0)!r} claims unanimity, which the data do not show"
                " (consensus is not unanimity)",
            )
        )
    asserted = _asserted_agreement(statement.text)
    if (
        asserted
        and statement.section is not Section.ACTION
        and (status is not ThemeStatus.CONSENSUS or weakly_rated or is_minority(theme))
    ):
        why = (
            f"rated agreement is {round((rated or 0.0) * 100)}%, below the threshold"
            if weakly_rated and status is ThemeStatus.CONSENSUS
            else f"the theme is {'a minority view' if is_minority(theme) else status.value}"
        )
        flags.append(_flag("overstated_agreement", f"{asserted!r} claims agreement, but {why}"))
    if statement.strength is Strength.STRONG and (
        status is not ThemeStatus.CONSENSUS or weakly_rated or is_minority(theme)
    ):
        flags.append(
            _flag(
                "overstated_strength",
                f"strength 'strong' on a {status.value} theme"
                + (" below the agreement threshold" if weakly_rated else "")
                + (" held by a minority" if is_minority(theme) else ""),
            )
        )
    if (
        is_minority(theme)
        and statement.section is not Section.ACTION
        and not _MINORITY.search(statement.text)
    ):
        flags.append(
            _flag(
                "minority_unnamed",
                f"this theme is {theme.minority}; the statement must say so",
            )
        )
    return flags


def unanimity_claim(text: str) -> str | None:
    """The unanimity wording in a text, if any (used for the overview, which has no theme)."""
    m = _UNANIMITY.search(text)
    return m.group(0) if m else None


def singular_flags(statement: Statement, claim_text: str | None = None) -> list[Flag]:
    """A singular view is one contributor's view: never consensus, never strong."""
    claim = statement.text if claim_text is None else claim_text
    flags: list[Flag] = []
    if statement.section not in (Section.MINORITY,):
        flags.append(_flag("wrong_section", "a singular view belongs in the minority section"))
    unanimity = _UNANIMITY.search(claim)
    asserted = _asserted_agreement(claim)
    if unanimity or asserted:
        word = unanimity.group(0) if unanimity else asserted
        flags.append(_flag("overstated_agreement", f"{word!r} claims agreement for a single view"))
    if statement.strength is Strength.STRONG:
        flags.append(_flag("overstated_strength", "strength 'strong' on a single view"))
    return flags
