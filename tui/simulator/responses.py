"""Small response builders shared by the route modules."""

from __future__ import annotations

import json

from starlette.responses import Response


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status_code=status, headers=headers, media_type="application/json")


def upbit_error(
    status: int, name: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response(status, {"error": {"name": name, "message": message}}, headers)


def b2_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """B2TRADER error bodies are undocumented; the simulator answers {"code", "message"}."""
    return json_response(status, {"code": code, "message": message}, headers)


def text_response(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, headers=headers, media_type="text/plain")
