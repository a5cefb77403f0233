"""An int8 copy of the exported encoder, for rounds too large to embed at full precision.

Why: embedding is nearly all of a cold analysis, and on these CPUs (AVX2, no VNNI) ONNX
Runtime runs MiniLM with int8 weights (dynamic quantisation, one scale per output channel)
in 0.61 of the float32 CPU time (400 texts on one thread: 2.64 s against 4.30 s). Its
vectors stay within cosine 0.98 of the float32 ones for sentences (mean 0.9915; 0.95-0.97
for a text of one or two words). That is far more than the 1e-7 between the ONNX and
PyTorch float32 vectors, so int8 vectors are kept under their own cache key (`INT8_SUFFIX`)
and used only for rounds above `Settings.embedding_int8_above` fragments (`embed_by_size`):
there the time decides whether an analysis is usable at all (50k fragments: about 165 s
instead of 270 s on two cores), while a Delphi-sized round keeps full precision.

The copy is made from the verified float32 export on first use (a few seconds), checked on
the export's probe sentences, and renamed into place whole beside it, so a crash or a rival
process never leaves a half-written graph that a later run would trust.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from symphonia.pipeline.onnx_encoder import OnnxEncoder
from symphonia.pipeline.onnx_export import PROBE_SENTENCES, OnnxModel, OnnxUnsupported

INT8_GRAPH = "model.int8.onnx"
INT8_SUFFIX = "@int8"
"""Appended to the model name to key int8 vectors in the embedding cache."""

MIN_INT8_PROBE_COSINE = 0.9
"""Lowest cosine allowed between an int8 and a float32 probe vector. Measured for MiniLM:
0.983 at worst over 400 benchmark texts, 0.95 for the two-letter probe "ok" (the shortest
texts carry the largest error); a broken quantisation lands far below this bound."""

logger = logging.getLogger(__name__)


def prepare_int8_graph(exported: OnnxModel) -> Path:
    """The int8 graph beside `exported`'s float32 one, quantised and checked on first use.

    Raises `OnnxUnsupported` when it cannot be made (no write access to the model cache, a
    graph the quantiser refuses) or when its vectors stray from the float32 ones.
    """
    target = exported.graph.with_name(INT8_GRAPH)
    if target.is_file():
        return target
    try:
        fd, name = tempfile.mkstemp(prefix=".int8-", suffix=".onnx", dir=target.parent)
    except OSError as exc:
        raise OnnxUnsupported(f"cannot write beside {exported.graph}: {exc}") from exc
    os.close(fd)
    staging = Path(name)
    try:
        _quantise(exported.graph, staging)
        worst = probe_agreement(exported, staging)
        if not worst >= MIN_INT8_PROBE_COSINE:
            raise OnnxUnsupported(f"int8 vectors stray from float32 (cosine {worst:.4f})")
        staging.chmod(0o644)  # public weights, like the float32 export (mkstemp made it 0600)
        os.replace(staging, target)
        logger.info("quantised %s to int8 (probe cosine >= %.4f)", exported.graph, worst)
    except OnnxUnsupported:
        raise
    except Exception as exc:  # the quantiser and the runtime raise many types
        raise OnnxUnsupported(f"cannot quantise to int8: {type(exc).__name__}: {exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            staging.unlink()
    return target


def _quantise(source: Path, destination: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    root.addFilter(_no_preprocessing_advice)
    try:
        quantize_dynamic(source, destination, weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.removeFilter(_no_preprocessing_advice)


def _no_preprocessing_advice(record: logging.LogRecord) -> bool:
    """The quantiser advises (on the root logger) a pre-processing pass for graphs it could
    fuse further; measured on MiniLM, that pass changes neither the speed nor the vectors."""
    return not str(record.msg).startswith("Please consider to run pre-processing")


def probe_agreement(exported: OnnxModel, int8_graph: Path) -> float:
    """The worst cosine between the float32 and the int8 graph's vectors of the probe
    sentences (both L2-normalised inside the graph)."""
    sentences = list(PROBE_SENTENCES)
    full = OnnxEncoder(exported.graph, exported.tokenizer, exported.max_seq_length)
    small = OnnxEncoder(int8_graph, exported.tokenizer, exported.max_seq_length)
    agreement = np.sum(full.encode(sentences) * small.encode(sentences), axis=1)
    return float(np.min(agreement))
