"""`ordertui serve` answers only to the printed token, at 127.0.0.1/localhost, from its own page.

Raw clients (aiohttp's WebSocket client, plain sockets) play the hostile page: another Origin, a
DNS-rebound Host, no token, a wrong one. The server is the real one on 127.0.0.1:0; most tests
run a stand-in app that speaks textual-serve's protocol and writes down what reaches it, one runs
the real `ordertui serve --demo` and reads the TUI's own screen through the WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shlex
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tui.ui.serve import listen
from tui.ui.serve_guard import Guard, loggable_path, new_token
from tui.ui.serve_server import GuardedServer

BOUND = 60.0  # generous bound for anything to happen; tests wait on conditions, not on time

# A stand-in for the TUI: says it is a Textual app, shows one line, writes down every packet.
FAKE_APP = r"""
import json
import os
import sys
from pathlib import Path

seen = Path(sys.argv[1])
Path(sys.argv[2]).write_text(json.dumps(dict(os.environ)))
with seen.open("ab") as f:
    f.write(b"started %d\n" % os.getpid())
out = sys.stdout.buffer
out.write(b"__GANGLION__\n")
screen = b"fake app ready"
out.write(b"D" + len(screen).to_bytes(4, "big") + screen)
out.flush()
stdin = sys.stdin.buffer
while (kind := stdin.read(1)):
    payload = stdin.read(int.from_bytes(stdin.read(4), "big"))
    with seen.open("ab") as f:
        f.write(kind + b":" + payload + b"\n")
    if kind == b"M" and b'"quit"' in payload:
        break
"""


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + BOUND
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


@dataclass
class Served:
    port: int
    token: str
    seen: Path  # what the stand-in app received; absent while no app process has started
    env: Path  # the stand-in app's environment
    runner: web.AppRunner

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app_started(self) -> bool:
        return self.seen.exists()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    script = tmp_path / "fake_app.py"
    script.write_text(FAKE_APP)
    seen, env = tmp_path / "seen.log", tmp_path / "env.json"
    command = " ".join(shlex.quote(str(p)) for p in (sys.executable, script, seen, env))
    sock = listen(0)
    guard = Guard(token=new_token(), port=sock.getsockname()[1])
    runner = await GuardedServer(command, guard).start(sock)
    try:
        yield Served(guard.port, guard.token, seen, env, runner)
    finally:
        await asyncio.wait_for(runner.cleanup(), BOUND)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=BOUND)) as session:
        yield session


async def ws_status(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> int:
    """101 if the WebSocket was upgraded (then closed at once), else the refusing status."""
    try:
        async with http.ws_connect(url, headers=headers):
            return 101
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status


# ---- the policy on its own ---------------------------------------------------------------------

GUARD = Guard(token="t" * 43, port=8123)
GOOD = {"hosts": ["127.0.0.1:8123"], "origins": ["http://127.0.0.1:8123"], "tokens": ["t" * 43]}


@pytest.mark.parametrize(
    "change",
    [
        {"tokens": []},
        {"tokens": ["t" * 42]},
        {"tokens": ["t" * 44]},
        {"tokens": ["T" * 43]},
        {"tokens": ["t" * 43, "t" * 43]},
        {"tokens": ["\udcff" * 43]},  # not even UTF-8: refused, not an exception
        {"hosts": []},
        {"hosts": ["evil.example:8123"]},
        {"hosts": ["127.0.0.1:8124"]},
        {"hosts": ["127.0.0.1"]},
        {"hosts": ["127.0.0.1:8123.evil.example"]},
        {"hosts": ["127.0.0.1:8123", "evil.example:8123"]},
        {"origins": ["http://evil.example"]},
        {"origins": ["http://evil.example:8123"]},
        {"origins": ["null"]},
        {"origins": ["https://127.0.0.1:8123"]},
        {"origins": ["http://127.0.0.1:8124"]},
        {"origins": ["http://127.0.0.1:8123", "http://evil.example"]},
    ],
)
def test_anything_but_the_token_at_the_served_address_is_refused(change):
    assert GUARD.refusal(**{**GOOD, **change}, public=False) is not None


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"origins": []},  # a client that is no browser says nowhere
        {"hosts": ["localhost:8123"], "origins": ["http://localhost:8123"]},
        {"hosts": ["LocalHost:8123"]},
        {"hosts": ["localhost:8123"]},  # the page on localhost, its socket on 127.0.0.1: both ours
    ],
)
def test_the_token_at_the_served_address_is_let_in(change):
    assert GUARD.refusal(**{**GOOD, **change}, public=False) is None


def test_static_assets_need_no_token_but_still_the_served_address():
    assert GUARD.refusal(**{**GOOD, "tokens": []}, public=True) is None
    assert GUARD.refusal(**{**GOOD, "tokens": [], "hosts": ["evil.example:8123"]}, public=True)
    assert GUARD.refusal(**{**GOOD, "tokens": [], "origins": ["http://evil.example"]}, public=True)


def test_tokens_are_unguessable_and_log_lines_never_hold_one():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 43 for t in tokens)
    token = tokens.pop()
    assert loggable_path(f"/ws/{token}") == "/ws/<token>"
    assert token not in loggable_path(f"/ws/{token}/more")
    assert loggable_path("/static/js/textual.js") == "/static/js/textual.js"
    assert loggable_path("/\x1b[2J\u00e9") == "/?[2J?"  # a hostile path cannot drive the terminal


# ---- the real server, raw clients --------------------------------------------------------------


async def test_the_websocket_is_refused_403_and_no_app_starts(served, http):
    origin = {"Origin": served.origin}
    evil = {"Origin": "http://evil.example"}
    rebound = {
        "Host": f"evil.example:{served.port}",
        "Origin": f"http://evil.example:{served.port}",
    }
    attempts = [
        ("/ws", evil),  # the reported attack: any page, no token
        ("/ws", origin),
        ("/ws?width=80&height=24", {}),
        ("/ws?token=wrong", origin),
        ("/ws/wrong", origin),
        (f"/ws?token={served.token[:-1]}", origin),
        (f"/ws/{served.token}x", origin),
        (f"/ws/{served.token}", evil),  # right token, evil Origin
        (f"/ws?token={served.token}", evil),
        (f"/ws/{served.token}", {"Origin": "null"}),
        (f"/ws/{served.token}", {"Host": f"evil.example:{served.port}"}),  # right token, rebound
        (f"/ws/{served.token}", rebound),
        (f"/ws/{served.token}", {"Host": f"127.0.0.1:{served.port + 1}", **origin}),
    ]
    for path, headers in attempts:
        assert await ws_status(http, served.url(path), headers) == 403, (path, headers)
    assert not served.app_started()  # none of them ever reached the app


async def test_only_the_token_from_the_page_origin_drives_the_app(served, http):
    url = served.url(f"/ws/{served.token}?width=90&height=20")
    async with http.ws_connect(url, headers={"Origin": served.origin}) as ws:
        first = await asyncio.wait_for(ws.receive(), BOUND)
        assert first.type == aiohttp.WSMsgType.BINARY and first.data == b"fake app ready"
        await ws.send_json(["stdin", "c"])
        await ws.send_json(["stdin", "y"])
        await until(lambda: b"D:y" in served.seen.read_bytes(), "the keys reached the app")
    assert re.match(rb"started \d+\nD:c\nD:y\n", served.seen.read_bytes())
    env = json.loads(served.env.read_text())
    assert (env["COLUMNS"], env["ROWS"]) == ("90", "20")
    assert (
        served.token not in served.env.read_text()
    )  # the app (its journal, its logs) never has it


@pytest.mark.parametrize("where", ["query", "localhost", "no origin"])
async def test_the_websocket_upgrades_with_the_token(served, http, where):
    path, headers = f"/ws/{served.token}", {"Origin": served.origin}
    if where == "query":
        path = f"/ws?token={served.token}"
    elif where == "localhost":
        headers = {"Host": f"localhost:{served.port}", "Origin": f"http://localhost:{served.port}"}
    else:
        headers = {}
    assert await ws_status(http, served.url(path), headers) == 101
    await until(served.app_started, "the app started")


async def test_the_page_needs_the_token_and_carries_it_to_its_websocket(served, http):
    for path, headers in [
        ("/", {}),
        ("/?token=", {}),
        ("/?token=nope", {}),
        (f"/?token={served.token}", {"Host": f"evil.example:{served.port}"}),
        (f"/?token={served.token}", {"Origin": "http://evil.example"}),
        ("/download/anything", {}),
        ("/no/such/page", {}),
    ]:
        async with http.get(served.url(path), headers=headers) as r:
            assert r.status == 403, (path, headers)
            assert served.token not in await r.text()

    async with http.get(served.url(f"/?token={served.token}")) as r:
        assert r.status == 200
        page = await r.text()
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["X-Frame-Options"] == "DENY"
    ws_url = re.search(r'data-session-websocket-url="([^"]+)"', page)
    assert ws_url and ws_url[1] == f"ws://127.0.0.1:{served.port}/ws/{served.token}"

    # Opened on localhost, the page keeps its socket and assets on localhost (same origin).
    headers = {"Host": f"localhost:{served.port}"}
    async with http.get(served.url(f"/?token={served.token}"), headers=headers) as r:
        page = await r.text()
    assert f'data-session-websocket-url="ws://localhost:{served.port}/ws/{served.token}"' in page
    assert f'href="http://localhost:{served.port}/static/css/xterm.css"' in page

    # What textual.js does with that URL: it appends the size. The token survives it.
    assert (
        await ws_status(http, ws_url[1] + "?width=80&height=24", {"Origin": served.origin}) == 101
    )


async def test_static_assets_stay_public_at_the_served_address_only(served, http):
    async with http.get(served.url("/static/js/textual.js")) as r:
        assert r.status == 200 and "WebSocket" in await r.text()
    headers = {"Host": f"evil.example:{served.port}"}
    async with http.get(served.url("/static/js/textual.js"), headers=headers) as r:
        assert r.status == 403


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_stopping_the_server_closes_each_tab_and_waits_for_its_app(served, http):
    url = served.url(f"/ws/{served.token}")
    async with http.ws_connect(url, headers={"Origin": served.origin}) as ws:
        assert (await asyncio.wait_for(ws.receive(), BOUND)).data == b"fake app ready"
        pid = int(re.match(rb"started (\d+)", served.seen.read_bytes())[1])
        await asyncio.wait_for(served.runner.cleanup(), BOUND)
        closing = await asyncio.wait_for(ws.receive(), BOUND)
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1001
    assert served.seen.read_bytes().endswith(b'M:{"type": "quit"}\n')
    assert gone(pid)  # told to quit, and waited for: no app outlives the server


def descendants(pid: int) -> set[int]:
    """Every process under pid (Linux /proc), e.g. the shell and app textual-serve starts."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


async def raw_status(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), BOUND)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_no_host_or_two_hosts_is_refused(served):
    t = served.token.encode()
    no_host = b"GET /?token=" + t + b" HTTP/1.0\r\n\r\n"
    assert b" 403 " in await raw_status(served.port, no_host)
    two = b"GET /?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nHost: evil.example\r\n\r\n"
    status = await raw_status(served.port, two % (t, served.port))
    assert b" 400 " in status or b" 403 " in status  # aiohttp's parser refuses it first
    one = b"GET /?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n"
    assert b" 200 " in await raw_status(served.port, one % (t, served.port))


async def test_the_access_log_never_holds_the_token(served, http, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with http.get(served.url(f"/?token={served.token}")) as r:
        assert r.status == 200
    async with http.get(served.url(f"/?token={served.token[:-2]}")) as r:
        assert r.status == 403
    assert await ws_status(http, served.url(f"/ws/{served.token}"), {}) == 101
    await until(lambda: " 101" in caplog.text, "the WebSocket was logged")
    assert "GET / 200" in caplog.text and "GET / 403" in caplog.text
    assert "GET /ws/<token> 101" in caplog.text
    assert served.token not in caplog.text and served.token[:-2] not in caplog.text


# ---- the real command and the real app ---------------------------------------------------------


async def test_ordertui_serve_demo_prints_the_token_once_and_only_it_reaches_the_tui(
    tmp_path, isolated_home, http
):
    log_file = tmp_path / "ordertui.log"
    env = {**os.environ, "ORDERTUI_LOG_FILE": str(log_file), "NO_COLOR": "1"}
    stdout = (tmp_path / "stdout.txt").open("wb")
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tui", "serve", "--demo", "--port", "0"),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stderr is not None
        line = (await asyncio.wait_for(proc.stderr.readline(), BOUND)).decode()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{43})\b", line)
        assert found, line
        port, token = int(found[1]), found[2]
        origin = {"Origin": f"http://127.0.0.1:{port}"}

        # The report's attack on the real app: refused before any app process starts.
        evil = {"Origin": "http://evil.example"}
        assert await ws_status(http, f"http://127.0.0.1:{port}/ws", evil) == 403
        assert await ws_status(http, f"http://127.0.0.1:{port}/ws/{token}", evil) == 403
        async with http.get(f"http://127.0.0.1:{port}/") as r:
            assert r.status == 403
        async with http.get(f"http://127.0.0.1:{port}/?token={token}") as r:
            assert r.status == 200 and f"/ws/{token}" in await r.text()

        url = f"http://127.0.0.1:{port}/ws/{token}?width=100&height=30"
        async with http.ws_connect(url, headers=origin) as ws:
            screen = b""
            while b"No orders yet" not in screen:
                message = await asyncio.wait_for(ws.receive(), BOUND)
                assert message.type == aiohttp.WSMsgType.BINARY, message
                screen += message.data
            assert b"ordertui" in screen
            await ws.send_json(["ping", "1"])
            while True:  # the app keeps drawing; the server's own answer comes among its frames
                message = await asyncio.wait_for(ws.receive(), BOUND)
                if message.type == aiohttp.WSMsgType.TEXT:
                    assert json.loads(message.data) == ["pong", "1"]
                    break

            apps = descendants(proc.pid)
            assert len(apps) >= 2  # sh -c '... -m tui --demo' and the app itself
            proc.send_signal(signal.SIGINT)  # Ctrl+C with the tab still open
            while message.type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                message = await asyncio.wait_for(ws.receive(), BOUND)
            assert message.data == 1001  # told "going away", not cut off
        rest = await asyncio.wait_for(proc.stderr.read(), BOUND)
        assert await asyncio.wait_for(proc.wait(), BOUND) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        stdout.close()

    assert all(gone(pid) for pid in apps)  # no app outlives `serve`
    err = line + rest.decode()
    out = (tmp_path / "stdout.txt").read_text()
    log = log_file.read_text()
    assert err.count(token) == 1 and token not in out and token not in log
    assert "Traceback" not in err + out
    assert "serve: GET /ws/<token> 101" in log and "serve: GET /ws 403" in log


def test_a_port_in_use_or_out_of_range_is_one_line_and_exit_2(isolated_home, capsys):
    from tui.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--demo", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"127.0.0.1:{port}" in err[0] and "token" not in err[0]

    assert main(["serve", "--demo", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--port" in err[0]
