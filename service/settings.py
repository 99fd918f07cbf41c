"""The one settings object of the service, read from ``PATHWAYS_*`` environment variables.

Nothing here runs at import time: ``get_settings()`` builds the object on first call and caches
it; tests pass their own ``Settings`` to ``create_app`` instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from recommender.shipped import shipped_path

#: The repository folder in a source checkout (in an installed wheel: the site-packages folder).
REPO_ROOT = Path(__file__).resolve().parents[1]


def _default_var_dir() -> Path:
    """``<repo>/var`` in a source checkout; ``./var`` (absolute, from the folder the service
    starts in) for an installed wheel, never a folder inside site-packages."""
    if (REPO_ROOT / "pyproject.toml").is_file():
        return REPO_ROOT / "var"
    return Path.cwd() / "var"


#: Variables earlier versions read, and what replaced them (setting one is an error, not ignored).
RETIRED_VARIABLES: Final = {
    "PATHWAYS_ACCESS_CODE_HOURS": "use PATHWAYS_ACCESS_CODE_MINUTES (default 90)",
    "PATHWAYS_LOGIN_MAX_FAILURES": "use PATHWAYS_LOGIN_FREE_FAILURES (no lockout any more)",
    "PATHWAYS_LOGIN_LOCKOUT_MINUTES": "use PATHWAYS_LOGIN_MAX_DELAY_SECONDS (no lockout any more)",
}

#: Addresses only this machine can reach.
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})


def _positive(default: int, most: int, description: str) -> Any:
    """The field of a whole-number setting from 1 to ``most``."""
    return Field(default=default, ge=1, le=most, description=description)


class Settings(BaseSettings):
    """Service configuration; every field can be set as ``PATHWAYS_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file at <repo>/var/pathways.sqlite3",
    )
    host: str = Field(default="127.0.0.1", description="address `pathways serve` listens on")
    port: int = _positive(8000, 65535, "TCP port of `pathways serve`")
    workers: int = _positive(1, 64, "uvicorn worker processes")
    var_dir: Path = Field(
        default_factory=_default_var_dir,
        description="folder for the default SQLite database file (<repo>/var, or ./var installed)",
    )
    models_dir: Path = Field(
        default_factory=lambda: shipped_path("models"),
        description=(
            "folder of the model versions and registry.json (default: the shipped models, the "
            "checkout's models/ or the installed package data)"
        ),
    )
    catalogue_dir: Path = Field(
        default_factory=lambda: shipped_path("catalogue"),
        description="folder of the pathway catalogue (default: the shipped data/catalogue)",
    )
    instrument_dir: Path = Field(
        default_factory=lambda: shipped_path("instrument"),
        description="folder of the assessment instrument (default: the shipped data/instrument)",
    )
    seed_demo: bool | None = Field(
        default=None,
        description=(
            "seed the demo district into an empty database: true, false, or unset (seed only "
            "the embedded SQLite default, when no database URL is configured)"
        ),
    )
    session_minutes: int = _positive(120, 24 * 60, "lifetime of a coach/staff/admin session")
    student_session_minutes: int = _positive(60, 24 * 60, "lifetime of a student session")
    access_code_minutes: int = Field(
        default=90,
        ge=5,
        le=24 * 60,
        description="how long a student access code stays valid (a class period and some)",
    )
    login_free_failures: int = _positive(
        5, 100, "failed sign-ins in a row for one account from one client before delays"
    )
    login_account_free_failures: int = _positive(
        50, 1000, "failed sign-ins in a row for one account (all clients) before delays"
    )
    login_max_delay_seconds: int = _positive(
        60, 15 * 60, "longest wait the doubling sign-in delay reaches (seconds)"
    )
    login_client_failures: int = _positive(
        20, 10_000, "failed sign-ins one client may make per window, across all accounts"
    )
    access_code_client_failures: int = _positive(
        30, 10_000, "wrong access codes one client may try per window"
    )
    login_window_minutes: int = _positive(
        15, 24 * 60, "window of the client budgets; a run of failures ends after this long"
    )
    login_known_client_days: int = _positive(
        30, 365, "how long a client that signed in to an account skips the account delay"
    )
    trusted_proxies: str = Field(
        default="",
        max_length=2000,
        description=(
            "comma-separated addresses of reverse proxies whose X-Forwarded-For names the "
            "client; empty: the TCP peer is the client"
        ),
    )
    password_hash_concurrency: int = _positive(
        2, 64, "password checks (argon2id) run at once per process; more wait"
    )
    password_hash_wait_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="how long a sign-in waits for a free password check before a 503",
    )
    purge_interval_minutes: int = _positive(
        60, 7 * 24 * 60, "expired sessions, codes and throttle rows are deleted at most this often"
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="largest accepted request body (413 above)"
    )
    allowed_origins: str = Field(
        default="",
        max_length=2000,
        description=(
            "comma-separated origins (https://host[:port]) besides the service's own from "
            "which forms and cookie-authenticated calls are accepted, e.g. the public name of "
            "a proxy that forwards another Host; empty: only the service's own origin"
        ),
    )
    cookie_secure: bool | Literal["auto"] = Field(
        default="auto",
        description=(
            "mark the session cookie Secure: true, false, or auto (Secure unless the service "
            "runs as a local installation: a loopback host and a SQLite database; always "
            "Secure for a request that arrived over HTTPS)"
        ),
    )
    argon2_time_cost: int = Field(default=3, ge=1, description="argon2id passes")
    argon2_memory_kib: int = Field(default=65536, ge=8, description="argon2id memory in KiB")
    argon2_parallelism: int = Field(default=4, ge=1, description="argon2id lanes")
    log_json: bool = Field(default=True, description="write logs as one JSON object per line")
    metrics_token: SecretStr | None = Field(
        default=None,
        description=(
            "when set (16 characters or more), GET /metrics requires `Authorization: Bearer "
            "<token>`; when unset, /metrics answers only to clients on this machine (loopback)"
        ),
    )

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("the metrics token needs at least 16 characters")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in (o.strip() for o in value.split(",") if o.strip()):
            scheme, sep, rest = origin.partition("://")
            if scheme not in ("http", "https") or not sep or not rest or "/" in rest.rstrip("/"):
                raise ValueError(f"{origin!r} is not an origin like https://pathways.example.org")
        return value

    def allowed_origin_list(self) -> tuple[str, ...]:
        """``allowed_origins`` as lower-case origins without a trailing slash."""
        return tuple(
            o.strip().lower().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()
        )

    def is_local_installation(self) -> bool:
        """True for a single-machine setup only its own browser reaches: ``pathways serve`` with
        the embedded defaults (a loopback address and a SQLite database), where plain http is
        expected. Anything else (another address, PostgreSQL) is treated as a deployment."""
        sqlite = self.resolved_database_url().startswith("sqlite")
        return sqlite and self.host.strip("[]").lower() in LOOPBACK_HOSTS

    def secure_cookies(self, *, https: bool) -> bool:
        """Whether a cookie set in answer to a request (``https``: it came over HTTPS) is Secure."""
        if isinstance(self.cookie_secure, bool):
            return self.cookie_secure
        return https or not self.is_local_installation()

    def seeds_demo(self) -> bool:
        """Whether ``serve`` seeds the demo district into an empty database: when asked for
        (``seed_demo`` true, ``pathways serve --demo``), or unset with the embedded SQLite
        default (no database URL configured); never silently into a configured database."""
        if self.seed_demo is not None:
            return self.seed_demo
        return not self.database_url

    def proxy_addresses(self) -> frozenset[str]:
        """The trusted reverse proxies of ``trusted_proxies``, as a set of addresses."""
        return frozenset(part.strip() for part in self.trusted_proxies.split(",") if part.strip())

    @model_validator(mode="after")
    def _refuse_retired_variables(self) -> Settings:
        """A variable this version replaced must not be silently ignored."""
        retired = sorted(name for name in RETIRED_VARIABLES if name in os.environ)
        if retired:
            hints = "; ".join(f"{name}: {RETIRED_VARIABLES[name]}" for name in retired)
            raise ValueError(f"retired settings are set: {hints}")
        return self

    def use_data_dirs(self) -> None:
        """Make the catalogue, instrument and models folders of these settings the ones this
        process reads (``recommender.shipped.use_data_dirs``); a changed catalogue folder drops
        the cached catalogue so the next request loads the new one."""
        from recommender.catalogue import get_catalogue
        from recommender.shipped import use_data_dirs

        if use_data_dirs(
            models=self.models_dir, catalogue=self.catalogue_dir, instrument=self.instrument_dir
        ):
            get_catalogue.cache_clear()

    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one, else the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'pathways.sqlite3'}"


def settings_for_database(url: str | None) -> Settings:
    """Settings from the environment, with ``url`` (a command's ``--database-url``, when given)
    in place of ``PATHWAYS_DATABASE_URL``."""
    return Settings(database_url=url) if url else Settings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process (tests override this dependency)."""
    return Settings()
