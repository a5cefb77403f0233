"""Time-ordered UUIDs (version 7, RFC 9562) for primary keys.

UUIDv7 keys sort by creation time, which keeps PostgreSQL's B-tree indexes compact and makes
"newest first" cheap, while staying unguessable enough for URLs. Python 3.11 has no
`uuid.uuid7`, and advanced-alchemy falls back to random v4 keys without the optional
`uuid-utils` package, so we generate them here (monotonic within a process).
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_seq = 0

_SEQ_BITS = 12
_SEQ_MAX = (1 << _SEQ_BITS) - 1


def uuid7() -> uuid.UUID:
    """A UUIDv7: 48-bit Unix milliseconds, 12-bit counter (rand_a), 62 random bits."""
    global _last_ms, _last_seq
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            _last_seq = int.from_bytes(os.urandom(2), "big") & (_SEQ_MAX >> 1)
        else:
            # Same (or earlier) millisecond: bump the counter, spilling into the clock.
            _last_seq += 1
            if _last_seq > _SEQ_MAX:
                _last_ms += 1
                _last_seq = 0
        ms, seq = _last_ms, _last_seq
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= seq << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)
