"""Imports flow one way (DESIGN.md §2): core → interchange, pipeline → db → services →
composition → jobs, web, reports, cli. The heavy-library check runs in a fresh interpreter."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys, pkgutil, importlib
import symphonia.core, symphonia.pipeline
for pkg in (symphonia.core, symphonia.pipeline):
    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(mod.name)
heavy = ("litestar", "sqlalchemy", "advanced_alchemy", "torch", "sentence_transformers", "hdbscan",
         "onnxruntime", "tokenizers")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_core_and_pipeline_import_no_web_database_or_model_code() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


# Every arrow of DESIGN.md §2, read from the import statements of every module (migrations
# aside: Alembic loads them by path). A layer may import itself and the layers listed.
FILES = {"_polis_csv", "_polis_counts", "polis", "studyfiles"}
"""Top-level modules that read files: the interchange layer."""
BELOW_SERVICES = {"core", "settings", "interchange", *FILES, "pipeline", "db", "mail"}
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "settings": {"core"},
    "interchange": {"core", *FILES},
    **{name: {"core", "interchange", *FILES} for name in FILES},
    "pipeline": {"core", "settings"},
    "db": {"core", "settings"},
    "mail": {"core", "settings"},
    "services": BELOW_SERVICES,
    "composition": BELOW_SERVICES | {"services"},
    # an export job renders the report it was asked for
    "jobs": BELOW_SERVICES | {"services", "composition", "reports"},
    "reports": BELOW_SERVICES | {"services"},
    "web": BELOW_SERVICES | {"services", "composition", "jobs", "reports"},
    # `symphonia serve` starts the web app; the web app never imports the command line
    "cli": BELOW_SERVICES | {"services", "composition", "jobs", "reports", "web"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "symphonia"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m == "symphonia" or m.startswith("symphonia.")}


def test_every_import_follows_the_layers() -> None:
    package = Path(__file__).resolve().parents[2] / "symphonia"
    wrong = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        if "migrations" in relative.parts:
            continue
        module = ".".join(relative.with_suffix("").parts)
        layer = _layer(module)
        if layer == "symphonia" or layer == "__init__":
            continue
        assert layer in ALLOWED, f"{module}: layer {layer!r} has no rule; add it to ALLOWED"
        for imported in _imports(path):
            target = _layer(imported)
            if target not in {layer, "symphonia"} and target not in ALLOWED[layer]:
                wrong.append(f"{module} imports {imported} ({layer} -> {target})")
    assert not wrong, "\n".join(wrong)
