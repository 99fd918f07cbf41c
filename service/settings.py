"""The one settings object of the service, read from ``PATHWAYS_*`` environment variables.

Nothing here runs at import time: ``get_settings()`` builds the object on first call and caches
it; tests pass their own ``Settings`` to ``create_app`` instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository (or installed package parent) folder; the default SQLite file lives under var/.
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Addresses only this machine can reach.
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    """Service configuration; every field can be set as ``PATHWAYS_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file at <repo>/var/pathways.sqlite3",
    )
    host: str = Field(default="127.0.0.1", description="address `pathways serve` listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port of `pathways serve`")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes")
    var_dir: Path = Field(
        default=REPO_ROOT / "var", description="folder for the default SQLite database file"
    )
    seed_demo: bool = Field(
        default=True, description="seed the demo district on first start of an empty database"
    )
    session_minutes: int = Field(
        default=120, ge=1, le=24 * 60, description="lifetime of a coach/staff/admin session"
    )
    student_session_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="lifetime of a student session"
    )
    access_code_hours: int = Field(
        default=72, ge=1, le=24 * 30, description="how long a student access code stays valid"
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="failed sign-ins per account before a lockout"
    )
    login_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="window in which failed sign-ins are counted"
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="how long an account stays locked"
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="largest accepted request body (413 above)"
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

    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one, else the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'pathways.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process (tests override this dependency)."""
    return Settings()
