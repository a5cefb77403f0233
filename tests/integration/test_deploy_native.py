"""The commands deploy/compose.yaml names (migrate, web, worker), run natively with its
environment against the test PostgreSQL: the migration step brings an empty database to
head, then the web process reports /ready and the worker starts on the SAQ queue. This is
what can be checked of the deployment on a machine that cannot pull container images."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.postgres


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0


def test_compose_commands_start_natively_and_report_ready(
    db_backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    if db_backend != "postgresql":
        pytest.skip("the deployment runs on PostgreSQL")
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    port = free_port()
    env = {
        **os.environ,
        "SYMPHONIA_ENV": "production",
        "SYMPHONIA_SECRET_KEY": "s" * 48,
        "SYMPHONIA_DATABASE_URL": empty_db_url,
        "SYMPHONIA_QUEUE": "saq",
        "SYMPHONIA_DATA_DIR": str(tmp_path),
        "SYMPHONIA_HOST": "127.0.0.1",
        "SYMPHONIA_PORT": str(port),
    }

    def command(name: str) -> list[str]:
        argv = list(services[name]["command"])
        assert argv[0] == "symphonia"
        return [sys.executable, "-m", "symphonia.cli", *argv[1:]]

    migrated = subprocess.run(
        command("migrate"), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    started = [
        subprocess.Popen(
            command(name),
            cwd=tmp_path,
            env=env,
            stdout=(tmp_path / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name in ("web", "worker")
    ]
    try:
        deadline = time.monotonic() + 180
        while status(f"http://127.0.0.1:{port}/ready") != 200:
            for process in started:
                assert process.poll() is None, (tmp_path / "web.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the web process never became ready"
            time.sleep(0.5)
        assert status(f"http://127.0.0.1:{port}/health") == 200
        assert started[1].poll() is None  # the worker is up, waiting on the queue
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    assert "SAQ queue" in (tmp_path / "worker.log").read_text()
