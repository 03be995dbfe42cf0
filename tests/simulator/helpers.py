"""Test helpers: sign requests the way Upbit's official Python sample does."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import unquote, urlencode

import httpx
import jwt

from tui.simulator.server import SimulatorServer


def sample_token(
    access_key: str,
    secret_key: str,
    params=None,
    *,
    alg: str = "HS256",
    nonce: str | None = None,
    query_string: str | None = None,
) -> str:
    """A JWT built like Upbit's official Python sample (PyJWT, unquote(urlencode(...)))."""
    payload = {"access_key": access_key, "nonce": nonce or str(uuid.uuid4())}
    if params:
        qs = query_string if query_string is not None else unquote(urlencode(params, doseq=True))
        payload["query_hash"] = hashlib.sha512(qs.encode("utf-8")).hexdigest()
        payload["query_hash_alg"] = "SHA512"
    return jwt.encode(payload, secret_key, algorithm=alg)


class Upbit:
    """A tiny Upbit client for tests: signs every call, never retries."""

    def __init__(
        self, server: SimulatorServer, key: str = "upbit", client: httpx.Client | None = None
    ):
        self.server = server
        self.creds = server.credentials[key]
        self.http = client or httpx.Client(base_url=server.base_url, timeout=10)

    def headers(self, params=None, **kw) -> dict:
        token = sample_token(self.creds["access_key"], self.creds["secret_key"], params, **kw)
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, params=None, **kw) -> httpx.Response:
        extra = kw.pop("headers", {})
        content = kw.pop("content", None)
        return self.http.request(
            method,
            path,
            params=params,
            headers={**self.headers(params, **kw), **extra},
            content=content,
        )

    def get(self, path, params=None, **kw):
        return self.call("GET", path, params, **kw)

    def delete(self, path, params=None, **kw):
        return self.call("DELETE", path, params, **kw)

    def close(self):
        self.http.close()


def error_name(response: httpx.Response) -> str:
    return response.json()["error"]["name"]
