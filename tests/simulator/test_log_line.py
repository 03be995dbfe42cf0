"""`ordertui simulate` prints one log line per request: a path is percent-decoded, so
`/v1/%1b]0;X%07` would put a raw ESC on the terminal reading the log. It is shown escaped."""

from __future__ import annotations

import httpx


def test_a_request_path_with_control_characters_is_logged_escaped(sim):
    lines: list[str] = []
    sim.state.log_hook = lines.append
    try:
        response = httpx.get(f"{sim.base_url}/v1/%1b]0;PWNED%07%e2%80%ae/x", timeout=10)
    finally:
        sim.state.log_hook = None
    assert response.status_code == 404
    (line,) = [line for line in lines if "PWNED" in line]
    assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert r"/v1/\x1b]0;PWNED\x07\u202e/x 404" in line
