"""The report's anchors: one name per part, used by every format that links within itself
(HTML, Markdown, PDF bookmarks) and by the ACCORD checklist to say where an item is answered."""

from __future__ import annotations

import hashlib
import re

SUMMARY = "summary"
QUESTION = "question"
OVERVIEW = "overview"
CONTESTED = "contested-issues"
THEMES = "themes"
ITEMS = "rated-items"
FIGURES = "figures"
LEDGER = "dissent-ledger"
AMENDMENTS = "amendments"
FLAGS = "flags"
EVIDENCE = "evidence"
METHODS = "methods"
PANEL = "methods-panel"
FLOW = "methods-flow"
PROTOCOL = "methods-protocol"
STOPPING = "methods-stopping"
STABILITY = "methods-stability"
DRAFTING = "methods-drafting"
ACCORD = "methods-accord"


def section(key: str) -> str:
    return f"section-{key}"


def _safe(prefix: str, value: str) -> str:
    """A stable anchor for an id of any shape (ids come from import files)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", value)
    if safe != value:
        safe += "-" + hashlib.sha256(value.encode()).hexdigest()[:8]
    return f"{prefix}-{safe}"


def fragment(fragment_id: str) -> str:
    return _safe("evidence", fragment_id)


def statement(key: str) -> str:
    return _safe("statement", key)


def theme(key: str) -> str:
    return _safe("theme", key)


def item(item_id: str) -> str:
    return _safe("item", item_id)
