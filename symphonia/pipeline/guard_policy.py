"""Which sections a theme's statements may use, decided by the theme's computed status.

Classification is computed from data before any drafting; a drafter (or a model, or an
injected instruction in a fragment) can never move a theme into a section its status does not
allow. The LLM drafter uses `home_section` to override a model's disallowed choice, and the
guard uses `allowed_sections` to flag anything that still slips through, e.g. an edit.
"""

from __future__ import annotations

from symphonia.core.synthesis import Section
from symphonia.core.themes import Theme, ThemeStatus

_STATUS_SECTION = {
    ThemeStatus.CONSENSUS: Section.CONSENSUS,
    ThemeStatus.CONTESTED: Section.CONTESTED,
    ThemeStatus.GAP: Section.GAP,
}

SINGULAR_SECTIONS = frozenset({Section.MINORITY})
"""A singular view (one fragment outside every theme) is shown as a minority/singular view."""


def is_minority(theme: Theme) -> bool:
    """A minority view: one stakeholder group in a multi-group round, or few confident voices.

    The call itself is made in `core.classify.describe_minority` and stored on the theme; the
    drafters must carry its wording ("a minority view held ...").
    """
    return bool(theme.minority)


def home_section(theme: Theme) -> Section:
    """The section a theme's main statements belong in."""
    if theme.status is ThemeStatus.CONTESTED:
        return Section.CONTESTED
    if is_minority(theme):
        return Section.MINORITY
    return _STATUS_SECTION[theme.status]


def allowed_sections(theme: Theme) -> frozenset[Section]:
    """Sections a statement of this theme may sit in.

    Its status section (never consensus for a minority theme: a view held by one group is
    not a panel consensus), candidate actions, and the minority section (naming a minority
    never overstates agreement).
    """
    sections = {_STATUS_SECTION[theme.status], Section.ACTION, Section.MINORITY}
    if is_minority(theme):
        sections.discard(Section.CONSENSUS)
    return frozenset(sections)


def ordered_sections(theme: Theme) -> list[str]:
    """`allowed_sections` as names, home section first (the order shown to the model)."""
    home = home_section(theme)
    rest = sorted(s.value for s in allowed_sections(theme) if s is not home)
    return [home.value, *rest]
