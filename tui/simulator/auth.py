"""Verification of Upbit-style request signatures, written from the documented rules.

A Bearer JWT (HS256 or HS512, secret used as raw bytes) carries `access_key`,
`nonce` and, when the request has query parameters, `query_hash` (SHA-512 hex
of the *unencoded* query) with `query_hash_alg` "SHA512". No JWT library: the
simulator must not share code with the clients it checks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import unquote, urlencode

_HASHES = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}


class TokenError(Exception):
    """The token is absent, malformed or not verifiable; `name` is the Upbit error name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def b64url_decode(part: str) -> bytes:
    part = part.strip()
    if not part or any(c in part for c in "+/"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part.rstrip("=") + "=" * (-len(part.rstrip("=")) % 4))


@dataclass(frozen=True)
class ParsedToken:
    alg: str
    payload: dict
    signing_input: bytes
    signature: bytes

    def signature_ok(self, secret: str) -> bool:
        mac = hmac.new(secret.encode("utf-8"), self.signing_input, _HASHES[self.alg]).digest()
        return hmac.compare_digest(mac, self.signature)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise TokenError("no_authorization_token", "Authorization token is missing.")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("no_authorization_token", "Authorization must be 'Bearer <JWT>'.")
    return token.strip()


def parse_jwt(token: str) -> ParsedToken:
    """Split and decode a compact JWS; signature is checked later with the account's secret."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("jwt_verification", "Failed to verify the JWT: malformed token.")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise TokenError(
            "jwt_verification", "Failed to verify the JWT: undecodable part."
        ) from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("jwt_verification", "Failed to verify the JWT: not a JSON object.")
    alg = header.get("alg")
    if alg not in _HASHES:
        raise TokenError(
            "jwt_verification", "Failed to verify the JWT: alg must be HS256 or HS512."
        )
    return ParsedToken(alg, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def query_hash_candidates(pairs: list[tuple[str, str]]) -> set[str]:
    """SHA-512 hex digests a correct client may have signed for these decoded query pairs.

    The reference is the official Python sample, `unquote(urlencode(params,
    doseq=True))`, rebuilt from the pairs in the order received. The plain
    `k=v&k=v` join differs from it only for values holding spaces or '+'.
    The percent-encoded form (`uuids%5B%5D=...`) is deliberately not accepted.
    """
    forms = {unquote(urlencode(pairs)), "&".join(f"{k}={v}" for k, v in pairs)}
    return {hashlib.sha512(f.encode("utf-8")).hexdigest() for f in forms}


def check_query_hash(payload: dict, pairs: list[tuple[str, str]]) -> None:
    """Raise TokenError(invalid_query_payload) unless the payload signs exactly this query.

    With no query parameters a `query_hash` in the payload is ignored (accepted):
    the docs only require it when there are parameters.
    """
    if not pairs:
        return
    qhash = payload.get("query_hash")
    alg = payload.get("query_hash_alg")
    if not isinstance(qhash, str) or not qhash:
        raise TokenError(
            "invalid_query_payload", "query_hash is required for a request with parameters."
        )
    if alg != "SHA512":
        raise TokenError("invalid_query_payload", "query_hash_alg must be SHA512.")
    if qhash.lower() not in query_hash_candidates(pairs):
        raise TokenError("invalid_query_payload", "query_hash does not match the query string.")
