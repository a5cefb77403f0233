"""The web platform's secret: where it comes from, and the keys derived from it.

One secret signs CSRF tokens and encrypts session cookies. A deployment sets
SYMPHONIA_SECRET_KEY; the embedded default keeps a random one in the data directory (mode
0600, created once, atomically), so restarting `symphonia serve` does not sign everyone out
and two processes on one data directory agree on it. Each use gets its own key, derived with
HKDF, so a leak of one (a CSRF token's HMAC, say) tells nothing about the other.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from symphonia.core.errors import SymphoniaError

SECRET_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
MIN_SECRET_CHARS = 32
"""A configured secret shorter than this is refused: it could be guessed offline."""


class WeakSecret(SymphoniaError, ValueError):
    """SYMPHONIA_SECRET_KEY is too short to protect sessions."""


@dataclass(frozen=True, slots=True)
class WebKeys:
    session: bytes
    """32 bytes: the AES-GCM key of the session cookie."""
    csrf: str
    """The HMAC secret of CSRF tokens."""


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret
    )


def keys_from_secret(secret: str) -> WebKeys:
    if len(secret) < MIN_SECRET_CHARS:
        raise WeakSecret(
            f"SYMPHONIA_SECRET_KEY must be at least {MIN_SECRET_CHARS} characters "
            f"(it has {len(secret)}); generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    raw = secret.encode()
    return WebKeys(
        session=_derive(raw, "symphonia session cookie"),
        csrf=_derive(raw, "symphonia csrf").hex(),
    )


def stored_secret(data_dir: Path) -> str:
    """The data directory's secret, created on first use. The new secret is written to a
    private temporary file and hard-linked into place, which fails if the name exists: two
    processes starting together agree on one secret, and none ever reads a half-written one."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=".secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
    finally:
        os.unlink(temporary)
    return value


def web_keys(configured: str | None, data_dir: Path) -> WebKeys:
    return keys_from_secret(configured if configured is not None else stored_secret(data_dir))
