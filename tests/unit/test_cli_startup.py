"""The CLI starts without loading what only some commands need.

Every `symphonia` command, `--help` included, pays for what the CLI imports at start. The
OpenAI client, scipy.stats and the embedding runtimes take seconds to import and are needed
only when a command drafts, tests stability or embeds, so they load on first use. Checked
in a fresh interpreter, the way a user's shell starts it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("openai", "scipy.stats", "torch", "sentence_transformers", "onnxruntime", "weasyprint")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_the_cli_loads_no_heavy_library_at_start() -> None:
    loaded = _loaded_after("import symphonia.cli.app")
    assert not loaded & set(HEAVY)


def test_the_lazy_names_of_the_llm_package_still_resolve() -> None:
    loaded = _loaded_after(
        "from symphonia.pipeline.llm import LLMDrafter, make_drafter, GenerationParams\n"
        "assert callable(make_drafter) and LLMDrafter.__name__ == 'LLMDrafter'\n"
        "assert GenerationParams.__name__ == 'GenerationParams'"
    )
    assert "openai" in loaded


def test_an_unknown_name_of_the_llm_package_is_an_attribute_error() -> None:
    import symphonia.pipeline.llm as llm

    with pytest.raises(AttributeError, match="NoSuchThing"):
        llm.NoSuchThing  # noqa: B018
