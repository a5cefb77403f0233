"""Running an exported sentence encoder: the fast tokenizer feeding an ONNX Runtime session.

Kept apart from the export so that a warm start needs neither PyTorch nor
sentence-transformers: loading them costs seconds and hundreds of MB that ONNX Runtime does not.
Tokenisation matches sentence-transformers: truncation at the model's `max_seq_length`, padding
to the longest text of the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symphonia.pipeline.contracts import Vectors

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
"""What the exported graph takes, in this order (BERT-style encoders)."""


class OnnxEncoder:
    """Texts → L2-normalised vectors through one ONNX graph (pooling is inside the graph)."""

    def __init__(self, graph: Path, tokenizer: Path, max_seq_length: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=max_seq_length)
        padding = self._tokenizer.padding or {}  # keep the model's pad token, drop fixed length
        self._tokenizer.enable_padding(
            pad_id=padding.get("pad_id", 0),
            pad_type_id=padding.get("pad_type_id", 0),
            pad_token=padding.get("pad_token", "[PAD]"),
        )
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: ORT warns about unused initialisers
        self._session: Any = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [node.name for node in self._session.get_inputs()]

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed one batch; the caller chooses the batch (by length, to limit padding)."""
        encodings = self._tokenizer.encode_batch(list(texts))
        features = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        feeds = {name: features[name] for name in self._inputs if name in INPUT_NAMES}
        vectors = self._session.run(None, feeds)[0]
        return np.ascontiguousarray(vectors, dtype=np.float32)
