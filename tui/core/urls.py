"""Base URL checks: https everywhere, plain http only to this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from tui.core.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, what: str = "base URL") -> str:
    """Return the URL without a trailing slash, or raise ConfigError saying what is wrong."""
    text = (url or "").strip()
    if not text:
        raise ConfigError(f"the {what} is empty")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"malformed {what} {text[:80]!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"malformed {what} {text[:80]!r}: it must start with https://")
    if not parts.hostname:
        raise ConfigError(f"malformed {what} {text[:80]!r}: no host name")
    if parts.username or parts.password:
        raise ConfigError(f"the {what} must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ConfigError(f"the {what} must not contain a query or fragment")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"plain http is refused for {parts.hostname}: use https:// (http is allowed only to this machine)"
        )
    del port
    return text.rstrip("/")
