"""Imports flow one way: core → pipeline → db/services → cli. Checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

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
