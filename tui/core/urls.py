"""Base URL checks: https everywhere, plain http only to this machine."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from tui.core.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
# One DNS label: letters, digits, hyphens (not at either end); underscores as some internal
# hosts have them. A name is labels joined by dots (a trailing dot allowed).
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_problem(host: str) -> str | None:
    """Why `host` (from urlsplit: lower-case, no brackets) is no host name or address, or None."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")  # an internationalised name
    except UnicodeError:
        return "not a valid host name"
    name = ascii_host[:-1] if ascii_host.endswith(".") else ascii_host
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        return "not a valid host name"
    return None


def check_base_url(url: str, *, what: str = "base URL") -> str:
    """Return the URL without a trailing slash, or raise ConfigError saying what is wrong."""
    text = (url or "").strip()
    if not text:
        raise ConfigError(f"the {what} is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ConfigError(
            f"malformed {what} {text[:80]!r}: it contains spaces or control characters"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"malformed {what} {text[:80]!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"malformed {what} {text[:80]!r}: it must start with https://")
    if not parts.hostname:
        raise ConfigError(f"malformed {what} {text[:80]!r}: no host name")
    problem = host_problem(parts.hostname)
    if problem:
        raise ConfigError(f"malformed {what} {text[:80]!r}: {parts.hostname!r} is {problem}")
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
