"""deploy/: the compose file and .env.example agree with the settings the code reads, and
production refuses the embedded defaults (issue 14 §3-4). Docker cannot pull images here,
so the compose file is checked as data (services, commands, environment)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from symphonia.cli.app import app as cli
from symphonia.settings import load_settings
from symphonia.settings.production import (
    EXAMPLE_SECRET,
    UnsafeForProduction,
    production_problems,
    require_production_ready,
)
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
SECRET = "x" * 48
PG = "postgresql+asyncpg://u:p@db:5432/symphonia"


def settings_read_by_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "symphonia").rglob("*.py"):
        names.update(re.findall(r'"(SYMPHONIA_[A-Z_]+)"', path.read_text()))
    return names


def example_env() -> dict[str, str]:
    found = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = re.match(r"#?(SYMPHONIA_[A-Z_]+|POSTGRES_[A-Z]+|[A-Z]+_REPLICAS)=(.*)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    documented = {k for k in example_env() if k.startswith("SYMPHONIA_")}
    assert documented == settings_read_by_code()


def test_env_example_values_load_as_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in example_env().items():
        if name.startswith("SYMPHONIA_") and value:
            monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.production
    assert settings.worker.queue == "saq"
    # The placeholder secret is refused: a deployment must set its own.
    assert production_problems(settings) == [
        p for p in production_problems(settings) if "SYMPHONIA_SECRET_KEY" in p
    ]
    assert len(production_problems(settings)) == 1
    monkeypatch.setenv("SYMPHONIA_SECRET_KEY", SECRET)
    assert production_problems(load_settings()) == []


def compose() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_compose_names_the_services_and_commands_the_cli_has() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    assert set(services) == {"postgres", "migrate", "web", "worker"}
    commands = {name: services[name]["command"] for name in ("migrate", "web", "worker")}
    assert commands == {
        "migrate": ["symphonia", "db", "upgrade"],
        "web": ["symphonia", "serve", "--no-worker"],
        "worker": ["symphonia", "worker"],
    }
    top = {c.name or c.callback.__name__ for c in cli.registered_commands}  # type: ignore[union-attr]
    groups = {g.name for g in cli.registered_groups}
    assert {"serve", "worker"} <= top
    assert "db" in groups
    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    assert "/ready" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_compose_environment_uses_only_known_settings() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for name in ("migrate", "web", "worker"):
        env = services[name]["environment"]
        assert set(env) <= settings_read_by_code()
        assert env["SYMPHONIA_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert services[name]["env_file"] == ".env"


def test_dockerfile_is_multi_stage_non_root_and_exports_the_model() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    assert re.search(r"^USER symphonia$", text, re.M)
    assert "make_embedder(backend='onnx'" in text
    assert "SYMPHONIA_MODEL_CACHE" in text


@pytest.mark.parametrize(
    ("secret", "url", "expected"),
    [
        (None, PG, ["SYMPHONIA_SECRET_KEY is unset"]),
        (EXAMPLE_SECRET, PG, ["SYMPHONIA_SECRET_KEY is the placeholder"]),
        (SECRET, None, ["SYMPHONIA_DATABASE_URL is unset"]),
        (SECRET, "sqlite+aiosqlite:///x.db", ["SYMPHONIA_DATABASE_URL is SQLite"]),
        (None, "sqlite:///x.db", ["SYMPHONIA_SECRET_KEY", "SYMPHONIA_DATABASE_URL"]),
        (SECRET, PG, []),
    ],
)
def test_production_refuses_the_embedded_defaults(
    monkeypatch: pytest.MonkeyPatch, secret: str | None, url: str | None, expected: list[str]
) -> None:
    monkeypatch.setenv("SYMPHONIA_ENV", "production")
    for name, value in (("SYMPHONIA_SECRET_KEY", secret), ("SYMPHONIA_DATABASE_URL", url)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    settings = load_settings()
    problems = production_problems(settings)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)
    if expected:
        with pytest.raises(UnsafeForProduction, match="SYMPHONIA_ENV=production"):
            require_production_ready(settings, "worker")
    monkeypatch.setenv("SYMPHONIA_ENV", "development")
    assert production_problems(load_settings()) == []


@pytest.mark.parametrize("command", [["serve"], ["worker"]])
def test_serve_and_worker_refuse_to_start_in_production_with_defaults(
    command: list[str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    env = {"SYMPHONIA_ENV": "production", "SYMPHONIA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "symphonia.cli", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "SYMPHONIA_ENV=production" in out
    assert "Traceback" not in out
    assert "SYMPHONIA_SECRET_KEY is unset" in out
    assert "SYMPHONIA_DATABASE_URL is unset" in out
