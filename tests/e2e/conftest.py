"""Browser tests: a real `symphonia serve` process and Debian's Chromium driven by Playwright.

Playwright cannot download its own browsers here, so the system Chromium is launched through
`executable_path` (`.ci/run` installs it). Where no Chromium exists the browser tests skip,
naming the reason; CI sets SYMPHONIA_REQUIRE_BROWSER=1, which turns that skip into a failure.

Every page a test visits can be checked with axe-core (from npm, `node_modules/axe-core`):
`accessibility(page)` fails on any serious or critical violation, and `screenshot(page, name)`
keeps a picture of it under `test-output/screenshots/`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
"""Without the background-networking flags Chromium keeps trying to reach Google's hosts,
which this closed network refuses."""


def chromium_path() -> str | None:
    configured = os.environ.get("SYMPHONIA_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SYMPHONIA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SYMPHONIA_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A `symphonia serve` process on its own data directory and port."""

    url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a `symphonia` command against the same data directory and settings."""
        return subprocess.run(
            [sys.executable, "-m", "symphonia.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    port = _free_port()
    env = {
        **os.environ,
        "SYMPHONIA_DATA_DIR": str(data_dir),
        "SYMPHONIA_PORT": str(port),
        **(extra_env or {}),
    }
    env.pop("SYMPHONIA_DATABASE_URL", None)
    log = data_dir / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "symphonia.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "symphonia.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return LiveServer(url, data_dir, env, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"server did not answer within 60 s:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "server-data")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module. Not per session: Playwright's sync API runs its own
    event loop in the main thread while it is open, and every async test that runs after
    it in the same session (pytest-asyncio's loop) then fails with "cannot be called from
    a running event loop"; closed at the end of each browser module, it leaves none."""
    executable = chromium_path()
    if executable is None:
        _skip_or_fail("no Chromium found (install Debian's chromium, or set SYMPHONIA_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies) per test."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def accessibility(page: Any, *, name: str = "") -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on serious or critical violations, return the rest.

    axe is evaluated through the DevTools protocol (`page.evaluate`), which the page's CSP
    does not govern, so the pages keep their strict policy while being checked."""
    if not AXE_SOURCE.is_file():
        pytest.fail(f"axe-core missing at {AXE_SOURCE}: run `make install`", pytrace=False)
    page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations: list[dict[str, Any]] = result["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    if serious:
        lines = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in serious
        ]
        pytest.fail(f"axe on {name or page.url}:\n" + "\n".join(lines), pytrace=False)
    return violations


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
