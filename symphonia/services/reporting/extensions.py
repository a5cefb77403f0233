"""How other parts of the platform add a section to the report without changing it.

Prioritisation (issue 13) will add a ranked list; the web's flags (issue 10) fill in their
own record. A section is a frozen value deriving from `ExtraSection`: it names itself, says
what it holds as plain data (`as_data`, what JSON, CSV-free formats and the generic layouts
show) and may come with renderers of its own (`symphonia.reports.sections`). A provider is
an async callable the report service runs inside its read transaction: it gets the session
and the records the report is built from, and returns its section, or None when it has
nothing to say about this round.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from symphonia.services.reporting.records import ReportRecords


@dataclass(frozen=True, slots=True)
class ExtraSection:
    """A section added to the report by a provider (see the module docstring)."""

    key: str
    title: str

    @property
    def anchor(self) -> str:
        return f"section-{self.key}"

    def as_data(self) -> Mapping[str, Any]:
        """The section's content as plain JSON data; subclasses extend it."""
        return {}


SectionProvider = Callable[["AsyncSession", "ReportRecords"], Awaitable[ExtraSection | None]]
