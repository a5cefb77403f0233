"""An embedder that takes its time, so a test can watch, pause or kill an analysis mid-run."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from symphonia.pipeline.contracts import ProgressCallback, Vectors, no_progress
from tests.unit.pipeline.conftest import CountingEmbedder


class SlowEmbedder(CountingEmbedder):
    """Embeds one text at a time, reporting progress as it begins and after each text: it
    sleeps `delay` seconds per text, writes `started` (when given) as it begins, and waits
    for `release` (when given) after the first text, so the run is caught mid-way."""

    def __init__(
        self,
        delay: float = 0.0,
        *,
        started: Path | None = None,
        release: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self.delay = delay
        self.started = started
        self.release = release

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors:
        if self.started is not None:
            self.started.write_text("embedding\n")
        progress("embed", 0, len(texts))
        for done in range(1, len(texts) + 1):
            time.sleep(self.delay)
            progress("embed", done, len(texts))
            if done == 1 and self.release is not None:
                self.release.wait(timeout=60)
        return super().embed(texts)
