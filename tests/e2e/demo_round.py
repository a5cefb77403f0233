"""The demo study's round 1, contributed, closed and drafted from the shell, and signing in
as one of `symphonia demo-people`: where the editor and reader browser tests start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
STUDY = "connected-icb"
LINK = re.compile(r"^\s+(\w+)\s+.+?\s+https?://\S+?/sign-in/(\S+)$", re.M)
DRAFT = f"/studies/{STUDY}/rounds/1/draft"


def draft_demo_round(live: LiveServer) -> None:
    live.cli("study", "load", str(ROOT / "rounds" / STUDY))
    live.cli("round", "open", STUDY, "1")
    fragments = ROOT / "rounds" / STUDY / "round1-fragments.jsonl"
    live.cli("fragments", "import", STUDY, "1", str(fragments))
    live.cli("round", "close", STUDY, "1")
    live.cli("synthesize", STUDY, "1")


def sign_in_as(server: LiveServer, page: Any, role: str, expert: str = "E01") -> None:
    """Sign `page` in as `role` (Facilitator, Editor, Reader, Expert: panellist `expert`)."""
    links = dict(LINK.findall(server.cli("demo-people", "--expert", expert).stdout))
    page.goto(f"{server.url}/sign-in/{links[role]}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/studies"))
