"""What to connect to: the config file's profile, the official environment variables and the
flags combined into one `ResolvedProfile` (flags beat environment beats file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from tui.core.config import (
    ENV_B2_ACCOUNT,
    ENV_B2_TOKEN,
    ENV_B2_URL,
    ENV_UPBIT_ACCESS,
    ENV_UPBIT_SECRET,
    ENV_UPBIT_URL,
    EXCHANGES,
    REGIONS,
    AppConfig,
    Overrides,
    Profile,
    mask,
)
from tui.core.errors import ConfigError
from tui.core.exchange import Exchange
from tui.core.urls import check_base_url


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
    pocket: str | None = None  # profiles with one pocket share one rate budget
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def has_credentials(self) -> bool:
        if self.exchange == Exchange.B2TRADER:
            return bool(self.token)
        return bool(self.access_key and self.secret_key)

    def missing(self) -> list[str]:
        """What is missing to talk to the exchange."""
        if self.exchange == Exchange.B2TRADER:
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
        if self.exchange == Exchange.B2TRADER:
            account = f"account {self.account_id}" if self.account_id else "no account"
            return f"B2TRADER {account}"
        return f"Upbit {self.region}"

    def masked_credentials(self) -> dict[str, str]:
        if self.exchange == Exchange.B2TRADER:
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
        env_exchange = Exchange.UPBIT.value
    elif env.get(ENV_B2_TOKEN):
        env_exchange = Exchange.B2TRADER.value
    exchange = (
        over.exchange or (prof.exchange if prof else None) or env_exchange or Exchange.UPBIT.value
    )
    sources["exchange"] = "flag" if over.exchange else (f"profile {name}" if prof else "default")
    region = over.region or (prof.region if prof else None) or "kr"
    if region not in REGIONS:
        raise ConfigError(f"unknown region {region!r}: choose one of {', '.join(REGIONS)}")
    file_url = prof.base_url if prof else None
    if exchange == Exchange.UPBIT:
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
            pocket=prof.pocket if prof else None,
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
            pocket=prof.pocket if prof else None,
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
