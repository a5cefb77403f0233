"""The web secret: kept once per data directory, private, and never weak."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from symphonia.web.secrets import SECRET_FILE, WeakSecret, keys_from_secret, stored_secret, web_keys


def test_the_stored_secret_is_made_once_and_private(tmp_path: Path) -> None:
    first = stored_secret(tmp_path)
    assert stored_secret(tmp_path) == first
    mode = stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode)
    assert mode == 0o600
    assert len(first) >= 48
    assert list(tmp_path.glob(".secret-*")) == []  # no temporary file left behind


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(lambda _: stored_secret(tmp_path / "data"), range(32)))
    assert len(seen) == 1


def test_a_short_configured_secret_is_refused_with_the_fix() -> None:
    with pytest.raises(WeakSecret, match="at least 32 characters"):
        keys_from_secret("hunter2")


def test_each_use_gets_its_own_key(tmp_path: Path) -> None:
    keys = web_keys("x" * 40, tmp_path)
    assert len(keys.session) == 32
    assert keys.session.hex() != keys.csrf
    assert keys == web_keys("x" * 40, tmp_path)  # deterministic: every process agrees
    assert keys != web_keys("y" * 40, tmp_path)
    assert not (tmp_path / SECRET_FILE).exists()  # a configured secret writes nothing
