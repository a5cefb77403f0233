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

from symphonia.core.synthesis import Section, Statement, Strength
from symphonia.core.themes import Theme, ThemeStatus
from symphonia.pipeline.guard_policy import allowed_sections, is_minority

DEFAULT_AGREEMENT_THRESHOLD = 0.70
"""Same default as `core.protocol.Protocol.agreement_threshold`; pass the study's own."""

Flag = dict[str, str]

_UNANIMITY = re.compile(
    r"\b(unanimous(ly)?|unanimity|everyone|everybody|without exception|"
    r"all (of the )?(experts|participants|panel(l)?ists|contributors|respondents|members|"
    r"stakeholders|groups)|the (whole|entire) panel|universal(ly)? (agree\w*|support\w*))\b",
    re.IGNORECASE,
)
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


def _flag(code: str, message: str) -> Flag:
    return {"code": code, "message": message}


def _rated_agreement(theme: Theme) -> float | None:
    ratings = theme.stats.ratings or {}
    value = ratings.get("percent_agreement")
    return float(value) if isinstance(value, int | float) else None


def _asserted_agreement(text: str) -> str | None:
    """The first agreement word used affirmatively (not "no consensus", "disagreement")."""
    for m in _AGREEMENT.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        around = text[max(0, m.start() - 15) : m.end() + 15]
        reports_figure = m.group(0).lower() == "agreement" and _FIGURE_NEARBY.search(around)
        if _NEGATION.search(before) or reports_figure:
            continue
        return m.group(0)
    return None


def agreement_flags(
    statement: Statement, theme: Theme, agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD
) -> list[Flag]:
    """Flags for a statement of a theme that overstates agreement or sits in a wrong section."""
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
    unanimity = _UNANIMITY.search(statement.text)
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


def singular_flags(statement: Statement) -> list[Flag]:
    """A singular view is one contributor's view: never consensus, never strong."""
    flags: list[Flag] = []
    if statement.section not in (Section.MINORITY,):
        flags.append(_flag("wrong_section", "a singular view belongs in the minority section"))
    unanimity = _UNANIMITY.search(statement.text)
    asserted = _asserted_agreement(statement.text)
    if unanimity or asserted:
        word = unanimity.group(0) if unanimity else asserted
        flags.append(_flag("overstated_agreement", f"{word!r} claims agreement for a single view"))
    if statement.strength is Strength.STRONG:
        flags.append(_flag("overstated_strength", "strength 'strong' on a single view"))
    return flags
