"""Upbit request signing: JWT with a SHA-512 hash of the unencoded query string."""

from __future__ import annotations

import hashlib
import uuid
import warnings
from collections.abc import Sequence
from urllib.parse import unquote, urlencode

import jwt
from jwt.warnings import InsecureKeyLengthWarning

Params = Sequence[tuple[str, str]]
ALGORITHMS = ("HS512", "HS256")


def encode_query(params: Params) -> str:
    """The query string as sent on the wire (arrays already expanded as repeated `key[]` pairs)."""
    return urlencode(list(params))


def unencoded_query(params: Params) -> str:
    """What Upbit hashes: `uuids[]=a&uuids[]=b`, not `uuids%5B%5D=a...` (the official Python way)."""
    return unquote(urlencode(list(params)))


def query_hash(params: Params) -> str:
    return hashlib.sha512(unencoded_query(params).encode("utf-8")).hexdigest()


def make_token(
    access_key: str,
    secret_key: str,
    params: Params = (),
    *,
    algorithm: str = "HS512",
    nonce: str | None = None,
) -> str:
    """A fresh JWT for one request. A new UUID4 nonce each call (millisecond nonces collide)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported JWT algorithm {algorithm!r}: use HS512 or HS256")
    payload: dict[str, str] = {"access_key": access_key, "nonce": nonce or str(uuid.uuid4())}
    if params:
        payload["query_hash"] = query_hash(params)
        payload["query_hash_alg"] = "SHA512"
    with warnings.catch_warnings():
        # Upbit secrets are 40 characters; PyJWT warns about HS512 with keys under 64 bytes.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(payload, secret_key.encode("utf-8"), algorithm=algorithm)
