"""A sentence-transformers model as one ONNX graph, exported once and kept on disk.

Why: on CPU, ONNX Runtime runs MiniLM's forward pass about 1.7-2x faster than PyTorch, and
the forward pass is nearly all of a cold analysis (DESIGN.md §4.1; `benchmarks/scale.py`).
sentence-transformers' own ONNX backend needs optimum-onnx, which does not install beside the
transformers release we run, so the graph is exported here with `torch.onnx.export`.

The graph takes token ids and returns the pooled, L2-normalised sentence vector, so the
runtime needs only onnxruntime and `tokenizers`. An export is kept only if its vectors match
the PyTorch model's on probe sentences (cosine >= `MIN_PROBE_COSINE`); it is written into a
temporary directory and renamed into place, so a crash or a rival process never leaves a
half-written model that a later run would trust.

Only the plain architecture is exported: a Transformer module, mean or CLS pooling, and an
optional Normalize. Anything else raises `OnnxUnsupported` and the caller uses PyTorch.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symphonia.core.errors import SymphoniaError
from symphonia.pipeline.onnx_encoder import INPUT_NAMES, OnnxEncoder

EXPORT_FORMAT = 2
"""Bump when the exported graph changes shape, so stale exports are not reused."""

MIN_PROBE_COSINE = 0.9999
"""Lowest cosine allowed between ONNX and PyTorch vectors of a probe sentence. Measured
agreement for MiniLM is >= 0.9999995; anything near this bound means a broken export."""

PROBE_SENTENCES = (
    "Schools should be full partners in local data sharing.",
    "Ringfenced funding for five years, not annual bids.",
    "Parents do not trust how their children's records are used, and nobody has measured "
    "that trust; without evidence the programme cannot show it is safe or that it works.",
    "ok",
    # Beyond a 512-token window: the runtime must truncate where sentence-transformers does.
    " ".join(f"point {i} on consent, records and trust" for i in range(120)),
)

_TOOLS = ("torch", "onnx", "onnxscript", "onnxruntime")
_STAGING_PREFIX = ".export-"
_ABANDONED_AFTER_S = 3600.0
_LEGACY_POOLING = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
_OUTPUT_NAME = "sentence_embedding"

logger = logging.getLogger(__name__)


class OnnxUnsupported(SymphoniaError, RuntimeError):
    """This model cannot be run through ONNX here; the message says why."""


@dataclass(frozen=True, slots=True)
class OnnxModel:
    """An exported, verified model: where its graph and tokenizer are, and how to feed it."""

    graph: Path
    tokenizer: Path
    max_seq_length: int
    dimension: int
    pooling: str


@dataclass(frozen=True, slots=True)
class _Architecture:
    tokenizer: Path
    pooling: str


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxUnsupported(f"cannot read {path.name}: {exc}") from exc


def inspect_architecture(model_dir: Path) -> _Architecture:
    """Check the model is Transformer → Pooling (mean or CLS) → optional Normalize, from its
    files alone (no torch): a model that fails here is never exported."""
    modules = _read_json(model_dir / "modules.json")
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise OnnxUnsupported("modules.json is not a list of modules")
    kinds = [str(module.get("type", "")).rsplit(".", 1)[-1] for module in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnsupported(f"modules {kinds} are not Transformer, Pooling[, Normalize]")
    if str(modules[0].get("path", "")) not in ("", "."):
        raise OnnxUnsupported("the Transformer module is not at the model's root")
    pooling_config = _read_json(model_dir / str(modules[1].get("path", "")) / "config.json")
    pooling = _pooling_mode(pooling_config)
    tokenizer = model_dir / "tokenizer.json"
    if not tokenizer.is_file():
        raise OnnxUnsupported("the model has no fast tokenizer (tokenizer.json)")
    return _Architecture(tokenizer=tokenizer, pooling=pooling)


def _pooling_mode(config: Any) -> str:
    """ "mean" or "cls" from a Pooling config in either format: sentence-transformers 6
    writes ``{"pooling_mode": "mean"}``, earlier versions one boolean per mode."""
    if not isinstance(config, dict):
        raise OnnxUnsupported("the Pooling config is not an object")
    mode = config.get("pooling_mode")
    if mode is None:
        active = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
        mode = _LEGACY_POOLING.get(active[0]) if len(active) == 1 else f"{active}"
    if mode not in ("mean", "cls"):
        raise OnnxUnsupported(f"pooling {mode!r} is not mean or CLS")
    return str(mode)


def fingerprint(model_dir: Path) -> str:
    """Identify a model's files, and the exporter and runtime versions, cheaply: names, sizes
    and modification times (hashing 90 MB of weights on every start would cost more than it
    protects). An upgrade of any tool exports again, and retries a model that failed."""
    tools = ";".join(f"{name}={importlib.metadata.version(name)}" for name in _TOOLS)
    digest = hashlib.sha256(f"format={EXPORT_FORMAT};{tools};{model_dir.resolve()}".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        relative = path.relative_to(model_dir).as_posix()
        digest.update(f"|{relative}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def _slug(model_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model_name).strip("-")[:60] or "model"


def _load_exported(directory: Path) -> OnnxModel | None:
    meta_path = directory / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return OnnxModel(
            graph=directory / "model.onnx",
            tokenizer=directory / "tokenizer.json",
            max_seq_length=int(meta["max_seq_length"]),
            dimension=int(meta["dimension"]),
            pooling=str(meta["pooling"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, unreadable or damaged: exported again


def prepare_onnx_model(model_name: str, model_dir: Path, cache_dir: Path) -> OnnxModel:
    """Return the verified ONNX export of the model in `model_dir`, exporting it on first use.

    Raises `OnnxUnsupported` when the architecture is not the plain one, when onnxruntime or
    the exporter is missing, or when the export does not reproduce the PyTorch vectors.
    """
    try:
        architecture = inspect_architecture(model_dir)
        target = cache_dir / f"{_slug(model_name)}-{fingerprint(model_dir)}"
        existing = _load_exported(target)
        if existing is not None:
            return existing
        marker = _unsupported_marker(target)
        if marker.is_file():
            raise OnnxUnsupported(
                f"{marker.read_text(encoding='utf-8').strip()} (found on an earlier attempt; "
                f"delete {marker} to try again)"
            )
        return _export_into(model_name, model_dir, architecture, target)
    except OnnxUnsupported:
        raise
    except OSError as exc:
        raise OnnxUnsupported(f"cannot write the ONNX export under {cache_dir}: {exc}") from exc
    except Exception as exc:  # any other failure (a bad config, ONNX Runtime refusing the
        # graph, a missing package) means the same thing to the caller: use PyTorch
        raise OnnxUnsupported(f"cannot export to ONNX: {type(exc).__name__}: {exc}") from exc


def _export_into(
    model_name: str, model_dir: Path, architecture: _Architecture, target: Path
) -> OnnxModel:
    cache_dir = target.parent
    cache_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_exports(cache_dir)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=cache_dir))
    try:
        try:
            dimension, max_seq_length, worst = _export(model_dir, architecture, staging)
        except OnnxUnsupported as exc:  # the model itself: remembered, so later runs skip
            with contextlib.suppress(OSError):  # the seconds of loading torch and exporting
                _unsupported_marker(target).write_text(f"{exc}\n", encoding="utf-8")
            raise
        shutil.copyfile(architecture.tokenizer, staging / "tokenizer.json")
        meta = {
            "model": model_name,
            "max_seq_length": max_seq_length,
            "dimension": dimension,
            "pooling": architecture.pooling,
            "export_format": EXPORT_FORMAT,
            "min_probe_cosine": worst,
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        _readable_by_all(staging)  # mkdtemp made it private
        if target.exists() and _load_exported(target) is None:
            # Exports land whole (renamed with meta.json inside), so a directory without it
            # was damaged by hand; it is never a rival's export in progress.
            shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:
            if _load_exported(target) is None:  # not a rival's finished export: a real error
                raise
        logger.info("exported %s to ONNX at %s (probe cosine >= %.7f)", model_name, target, worst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    exported = _load_exported(target)
    if exported is None:  # a rival removed it between our rename and this read
        raise OnnxUnsupported(f"the export at {target} disappeared while it was being read")
    return exported


def _unsupported_marker(target: Path) -> Path:
    return target.parent / f"{target.name}.unsupported"


def _readable_by_all(directory: Path) -> None:
    """rwxr-xr-x / rw-r--r--: an export is public model weights, and other users of a shared
    cache must read it (fixed modes: reading the umask would mean setting it, process-wide)."""
    directory.chmod(0o755)
    for path in directory.iterdir():
        path.chmod(0o644)


def _remove_abandoned_exports(cache_dir: Path) -> None:
    """Drop staging directories a killed process left behind (an export takes seconds, so
    one untouched for `_ABANDONED_AFTER_S` is nobody's work in progress)."""
    now = time.time()
    for staging in cache_dir.glob(f"{_STAGING_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - staging.stat().st_mtime > _ABANDONED_AFTER_S:
                shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The exporter narrates every phase and warns about optional packages we never use."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch._export", "onnxscript")]
    levels = [log.level for log in loggers]
    try:
        for log in loggers:
            log.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def _export(model_dir: Path, architecture: _Architecture, staging: Path) -> tuple[int, int, float]:
    """Export the pooled, normalised encoder into `staging/model.onnx`; return its dimension,
    its token window and the worst probe cosine against sentence-transformers."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from symphonia.pipeline.embed import ensure_offline

    ensure_offline()
    reference = SentenceTransformer(str(model_dir), device="cpu")
    reference.eval()
    tokenizer = reference.tokenizer
    if getattr(tokenizer, "truncation_side", "right") != "right" or (
        getattr(tokenizer, "padding_side", "right") != "right"
    ):
        raise OnnxUnsupported("the tokenizer truncates or pads on the left")
    # What sentence-transformers truncates at: its own window, else the tokenizer's.
    window = reference.max_seq_length or getattr(tokenizer, "model_max_length", None)
    if not isinstance(window, int) or not 0 < window <= 100_000:
        raise OnnxUnsupported(f"the model has no usable token window ({window!r})")
    max_seq_length = window
    encoder = _pooled_encoder(reference[0].auto_model, architecture.pooling).eval()
    example = tokenizer(list(PROBE_SENTENCES[:2]), padding=True, return_tensors="pt")
    if any(name not in example for name in INPUT_NAMES):
        raise OnnxUnsupported(f"the tokenizer does not produce all of {', '.join(INPUT_NAMES)}")
    feeds = tuple(example[name] for name in INPUT_NAMES)
    batch = torch.export.Dim("batch", min=1)
    tokens = torch.export.Dim("tokens", min=1, max=max_seq_length)
    graph_path = staging / "model.onnx"
    try:
        with _quiet_exporter(), torch.no_grad():
            program = torch.onnx.export(
                encoder,
                feeds,
                input_names=list(INPUT_NAMES),
                output_names=[_OUTPUT_NAME],
                dynamic_shapes=tuple({0: batch, 1: tokens} for _ in INPUT_NAMES),
                dynamo=True,
                optimize=True,
                verbose=False,
            )
            assert program is not None
            program.save(str(graph_path))
    except Exception as exc:  # the exporter raises many types; all mean "cannot export"
        raise OnnxUnsupported(f"torch.onnx.export failed: {type(exc).__name__}: {exc}") from exc

    expected = reference.encode(list(PROBE_SENTENCES), normalize_embeddings=True)
    runtime = OnnxEncoder(graph_path, architecture.tokenizer, max_seq_length)
    got = runtime.encode(list(PROBE_SENTENCES))
    worst = float(np.min(np.sum(np.asarray(expected) * got, axis=1)))
    if not worst >= MIN_PROBE_COSINE:
        raise OnnxUnsupported(f"ONNX vectors disagree with PyTorch (cosine {worst:.6f})")
    return int(got.shape[1]), max_seq_length, worst


def _pooled_encoder(transformer: Any, pooling: str) -> Any:
    """Transformer → pooling → L2 normalisation as one traceable module (torch is imported
    here, not at module load, so the pipeline package stays free of model code)."""
    import torch

    class PooledEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return PooledEncoder()
