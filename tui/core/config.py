"""Configuration: a TOML file of profiles, the official environment variables, and flags.

Precedence: flags beat environment beats file. The file lives in platformdirs' user config
dir (`--config PATH` overrides), is written 0600, and a file holding credentials that other
users can read is refused with the chmod to run.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from tui.core.errors import ConfigError, error_text
from tui.core.safe_read import FileRefused, read_regular
from tui.core.urls import check_base_url

APP_NAME = "ordertui"
REGIONS = ("kr", "sg", "id", "th")
EXCHANGES = ("upbit", "b2trader")
MAX_CONFIG_BYTES = 1024 * 1024

ENV_UPBIT_ACCESS = "UPBIT_OPEN_API_ACCESS_KEY"
ENV_UPBIT_SECRET = "UPBIT_OPEN_API_SECRET_KEY"
ENV_UPBIT_URL = "UPBIT_OPEN_API_SERVER_URL"
ENV_B2_TOKEN = "B2TRADER_TOKEN"
ENV_B2_ACCOUNT = "B2TRADER_ACCOUNT_ID"
ENV_B2_URL = "B2TRADER_BASE_URL"


def mask(secret: str | None) -> str:
    """`ab12…ef`: enough to tell keys apart, never enough to use one."""
    if not secret:
        return "(not set)"
    if len(secret) <= 8:
        return "…"
    return f"{secret[:4]}…{secret[-2:]}"


class Profile(BaseModel):
    """One `[profiles.NAME]` table."""

    model_config = ConfigDict(extra="forbid")

    exchange: Literal["upbit", "b2trader"] = "upbit"
    region: Literal["kr", "sg", "id", "th"] | None = None
    base_url: str | None = None
    account_id: str | None = None
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    token: SecretStr | None = None
    jwt_algorithm: Literal["HS512", "HS256"] = "HS512"
    rps: int | None = Field(default=None, ge=1, le=100)
    # Profiles (and ordertui processes) with the same pocket share one rate budget; without
    # it, those with the same access key do. Upbit Korea counts limits per pocket.
    pocket: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_base_url(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None

    @property
    def has_credentials(self) -> bool:
        return bool(self.access_key or self.secret_key or self.token)


class UiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: str | None = None


class JournalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_mb: float = Field(default=100.0, gt=0)
    keep_runs: int = Field(default=500, ge=1)


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_profile: str | None = None
    profiles: dict[str, Profile] = {}
    ui: UiConfig = UiConfig()
    journal: JournalConfig = JournalConfig()

    # where it was read from (not part of the file)
    path: Path | None = Field(default=None, exclude=True)


# ---- paths ---------------------------------------------------------------------------------
def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


# ---- reading -------------------------------------------------------------------------------
def load_config(path: str | Path | None = None) -> AppConfig:
    """Read the config file. A missing default file is an empty config; a missing `--config`
    file is an error. Every problem is one ConfigError naming the file (and line)."""
    explicit = path is not None
    target = Path(path).expanduser() if explicit else default_config_path()
    if not target.exists():
        if explicit:
            raise ConfigError(f"config file not found: {target}")
        return AppConfig(path=target)
    try:  # a FIFO would hang, /dev/zero never end: a regular file of at most 1 MB only
        raw = read_regular(target, limit=MAX_CONFIG_BYTES, what="config file")
    except FileRefused as exc:
        raise ConfigError(exc.message) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{target}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: invalid TOML: {exc}") from None
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe_validation(target, text, exc)) from None
    config.path = target
    if any(p.has_credentials for p in config.profiles.values()):
        check_private(target)
    if config.default_profile and config.default_profile not in config.profiles:
        line = _find_line(text, (), "default_profile")
        raise ConfigError(
            f"{target}{_at(line)}: default_profile {config.default_profile!r} is not a profile "
            f"(profiles: {', '.join(config.profiles) or 'none'})"
        )
    return config


def check_private(path: Path) -> None:
    """Refuse a credentials file that group or others can read."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds credentials but other users can read it (mode {mode:03o}): run  chmod 600 {path}"
        )


def _describe_validation(path: Path, text: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = tuple(str(p) for p in first.get("loc", ()))
    kind = first.get("type", "")
    section, key = loc[:-1], (loc[-1] if loc else "")
    line = _find_line(text, section, key)
    where = ".".join(loc) or "(top level)"
    if kind == "extra_forbidden":
        what = f"unknown key {where!r}"
    else:
        value = first.get("input")
        # Only a plain value is echoed, never a credential or a table (which may hold one).
        plain = isinstance(value, (str, int, float, bool)) and key not in (
            "access_key",
            "secret_key",
            "token",
        )
        shown = f" (got {str(value)[:40]!r})" if plain else ""
        what = f"{where}: {error_text(first)}{shown}"
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return f"{path}{_at(line)}: {what}{more}"


def _at(line: int | None) -> str:
    return f", line {line}" if line else ""


def _find_line(text: str, section: tuple[str, ...], key: str) -> int | None:
    """Best-effort line of `key` inside table `section` (e.g. ("profiles", "main")): the key's
    own table header, its assignment in the section's table, a dotted or inline assignment,
    or at least the section's header."""
    lines = text.split("\n")
    path = (*section, key) if key else section

    def dotted(parts: tuple[str, ...]) -> str:
        return r"\s*\.\s*".join(r"[\"']?" + re.escape(p) + r"[\"']?" for p in parts)

    def first(pattern: str, start: int = 0, stop: int | None = None) -> int | None:
        rx = re.compile(pattern)
        return next(
            (i for i in range(start, len(lines) if stop is None else stop) if rx.search(lines[i])),
            None,
        )

    if path:  # the key is a table itself: [a.key], [[a.key]], or has sub-tables [a.key.x]
        hit = first(r"^\s*\[\[?\s*" + dotted(path) + r"\s*[.\]]")
        if hit is not None:
            return hit + 1
    top = first(r"^\s*\[\[?\s*" + dotted(section) + r"\s*\]") if section else -1
    if key:
        if top is not None:  # key = ... in the section's own table (or before any table)
            end = first(r"^\s*\[", top + 1)
            hit = first(r"^\s*" + dotted((key,)) + r"\s*=", top + 1, end)
            if hit is not None:
                return hit + 1
        for cut in range(len(path) - 1):  # dotted keys: profiles.main.rps = ... / main.rps = ...
            hit = first(r"^\s*" + dotted(path[cut:]) + r"\s*=")
            if hit is not None:
                return hit + 1
        hit = first(r"(?<![\w.-])[\"']?" + re.escape(key) + r"[\"']?\s*=")  # inside an inline table
        if hit is not None:
            return hit + 1
    return top + 1 if top is not None and top >= 0 else None


# ---- writing -------------------------------------------------------------------------------
def write_private(path: Path, content: str) -> None:
    """Write a file readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".ordertui-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def config_to_toml(config: AppConfig) -> str:
    import tomlkit

    from tui.core.config_edit import profile_entry

    data: dict[str, Any] = {}
    if config.default_profile:
        data["default_profile"] = config.default_profile
    if config.ui.theme:
        data["ui"] = {"theme": config.ui.theme}
    data["journal"] = config.journal.model_dump()
    profiles = {name: profile_entry(prof) for name, prof in config.profiles.items()}
    if profiles:
        data["profiles"] = profiles
    return tomlkit.dumps(data)


def save_config(config: AppConfig, path: str | Path | None = None) -> Path:
    target = Path(path).expanduser() if path else (config.path or default_config_path())
    write_private(target, config_to_toml(config))
    return target


# ---- resolving what to connect to ----------------------------------------------------------
@dataclass(slots=True)
class Overrides:
    """What the command line says (None = not given)."""

    profile: str | None = None
    exchange: str | None = None
    region: str | None = None
    base_url: str | None = None
    account_id: str | None = None
    demo: bool = False


@dataclass(slots=True)
class ResolvedProfile:
    """Everything needed to build a client, with where each part came from. Repr hides secrets."""

    name: str | None
    exchange: str
    region: str
    base_url: str | None
    account_id: str | None = None
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    token: SecretStr | None = None
    jwt_algorithm: str = "HS512"
    rps: int | None = None
    demo: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def has_credentials(self) -> bool:
        if self.exchange == "b2trader":
            return bool(self.token)
        return bool(self.access_key and self.secret_key)

    def missing(self) -> list[str]:
        """What is missing to talk to the exchange."""
        if self.exchange == "b2trader":
            out = []
            if not self.token:
                out.append(f"a token ({ENV_B2_TOKEN} or profile token)")
            if not self.base_url:
                out.append(f"the broker's base URL (--base-url, {ENV_B2_URL} or profile base_url)")
            if not self.account_id:
                out.append(
                    f"a trading account id (--account-id, {ENV_B2_ACCOUNT} or profile account_id)"
                )
            return out
        out = []
        if not self.access_key:
            out.append(f"an access key ({ENV_UPBIT_ACCESS} or profile access_key)")
        if not self.secret_key:
            out.append(f"a secret key ({ENV_UPBIT_SECRET} or profile secret_key)")
        return out

    def target(self) -> str:
        if self.exchange == "b2trader":
            account = f"account {self.account_id}" if self.account_id else "no account"
            return f"B2TRADER {account}"
        return f"Upbit {self.region}"

    def masked_credentials(self) -> dict[str, str]:
        if self.exchange == "b2trader":
            return {"token": mask(self.token.get_secret_value() if self.token else None)}
        return {
            "access_key": mask(self.access_key.get_secret_value() if self.access_key else None),
            "secret_key": mask(self.secret_key.get_secret_value() if self.secret_key else None),
        }

    def __repr__(self) -> str:
        return (
            f"ResolvedProfile(name={self.name!r}, exchange={self.exchange!r}, region={self.region!r}, "
            f"base_url={self.base_url!r}, account_id={self.account_id!r}, demo={self.demo})"
        )

    __str__ = __repr__


def resolve(
    config: AppConfig, overrides: Overrides | None = None, env: Mapping[str, str] | None = None
) -> ResolvedProfile:
    """Combine file, environment and flags (flags beat environment beats file)."""
    over = overrides or Overrides()
    env = os.environ if env is None else env
    if over.profile and over.profile not in config.profiles:
        known = ", ".join(sorted(config.profiles)) or "none configured"
        raise ConfigError(f"no profile named {over.profile!r} (profiles: {known})")
    name = over.profile or config.default_profile
    if name is None and len(config.profiles) == 1:
        name = next(iter(config.profiles))
    prof = config.profiles.get(name) if name else None
    if over.exchange and over.exchange not in EXCHANGES:
        raise ConfigError(f"unknown exchange {over.exchange!r}: choose upbit or b2trader")
    if prof is not None and over.exchange and prof.exchange != over.exchange:
        if over.profile:
            raise ConfigError(f"profile {name!r} is for {prof.exchange}, not {over.exchange}")
        name, prof = None, None  # the default profile is for the other exchange: do not mix them
    sources: dict[str, str] = {}

    def pick(key: str, flag: Any, env_key: str | None, file_value: Any) -> Any:
        if flag not in (None, ""):
            sources[key] = "flag"
            return flag
        if env_key and env.get(env_key):
            sources[key] = f"env {env_key}"
            return env[env_key]
        if file_value not in (None, ""):
            sources[key] = f"profile {name}"
            return file_value
        return None

    env_exchange = None
    if env.get(ENV_UPBIT_ACCESS) or env.get(ENV_UPBIT_SECRET):
        env_exchange = "upbit"
    elif env.get(ENV_B2_TOKEN):
        env_exchange = "b2trader"
    exchange = over.exchange or (prof.exchange if prof else None) or env_exchange or "upbit"
    sources["exchange"] = "flag" if over.exchange else (f"profile {name}" if prof else "default")
    region = over.region or (prof.region if prof else None) or "kr"
    if region not in REGIONS:
        raise ConfigError(f"unknown region {region!r}: choose one of {', '.join(REGIONS)}")
    file_url = prof.base_url if prof else None
    if exchange == "upbit":
        env_url = (
            None if over.region else ENV_UPBIT_URL
        )  # a --region flag beats a URL from env or file
        base_url = pick("base_url", over.base_url, env_url, None if over.region else file_url)
        access, secret = _key_pair(env, prof, sources, name)
        resolved = ResolvedProfile(
            name=name,
            exchange=exchange,
            region=region,
            base_url=None,
            access_key=access,
            secret_key=secret,
            jwt_algorithm=prof.jwt_algorithm if prof else "HS512",
            rps=prof.rps if prof else None,
            demo=over.demo,
            sources=sources,
        )
    else:
        base_url = pick("base_url", over.base_url, ENV_B2_URL, file_url)
        resolved = ResolvedProfile(
            name=name,
            exchange=exchange,
            region=region,
            base_url=None,
            account_id=pick(
                "account_id", over.account_id, ENV_B2_ACCOUNT, prof.account_id if prof else None
            ),
            token=_credential(
                "token", pick("token", None, ENV_B2_TOKEN, _reveal(prof.token) if prof else None)
            ),
            rps=prof.rps if prof else None,
            demo=over.demo,
            sources=sources,
        )
    if base_url:
        resolved.base_url = check_base_url(str(base_url))
    return resolved


def _key_pair(
    env: Mapping[str, str], prof: Profile | None, sources: dict[str, str], name: str | None
) -> tuple[SecretStr | None, SecretStr | None]:
    """The Upbit key pair comes whole from one place: an access key from the environment and a
    secret from the file would only ever earn jwt_verification."""
    env_access, env_secret = env.get(ENV_UPBIT_ACCESS), env.get(ENV_UPBIT_SECRET)
    if env_access or env_secret:
        if not (env_access and env_secret):
            have, lack = (
                (ENV_UPBIT_ACCESS, ENV_UPBIT_SECRET)
                if env_access
                else (ENV_UPBIT_SECRET, ENV_UPBIT_ACCESS)
            )
            raise ConfigError(
                f"{have} is set but {lack} is not: set both, or neither to use the config file"
            )
        sources["access_key"] = sources["secret_key"] = "environment"
        return _credential("access key", env_access), _credential("secret key", env_secret)
    if prof is None or not (prof.access_key or prof.secret_key):
        return None, None
    sources["access_key"] = sources["secret_key"] = f"profile {name}"
    return _credential("access key", _reveal(prof.access_key)), _credential(
        "secret key", _reveal(prof.secret_key)
    )


def _reveal(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _credential(what: str, value: str | None) -> SecretStr | None:
    """Strip surrounding space; refuse what could never be sent in a header (and would echo it)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isascii() or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ConfigError(
            f"the {what} contains spaces, line breaks or non-ASCII characters: copy it again"
        )
    return SecretStr(text)


TEMPLATE = """\
# ordertui configuration. This file holds credentials: keep it private (chmod 600).
# Precedence: command-line flags, then environment variables
# (UPBIT_OPEN_API_ACCESS_KEY, UPBIT_OPEN_API_SECRET_KEY, UPBIT_OPEN_API_SERVER_URL,
#  B2TRADER_TOKEN, B2TRADER_ACCOUNT_ID, B2TRADER_BASE_URL), then this file.

# default_profile = "upbit-kr"

# [profiles.upbit-kr]
# exchange = "upbit"
# region = "kr"                 # kr | sg | id | th
# access_key = "..."
# secret_key = "..."
# jwt_algorithm = "HS512"       # or HS256

# [profiles.broker]
# exchange = "b2trader"
# base_url = "https://your-broker.example"
# account_id = "..."
# token = "..."
# rps = 10                      # requests per second (B2TRADER documents no limit)

[journal]
max_mb = 100
keep_runs = 500
"""
