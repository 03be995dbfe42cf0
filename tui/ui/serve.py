"""`ordertui serve`: the TUI in a web browser via textual-serve, bound to 127.0.0.1 only.

Each browser tab starts its own `python -m tui` process with the same options; nothing
listens beyond loopback (forward the port over SSH to show it elsewhere). Only the holder of
the URL printed at start (it carries a random token) at 127.0.0.1/localhost gets the page or
the WebSocket that drives the app: see tui.ui.serve_guard.
"""

from __future__ import annotations

import shlex
import socket
import sys

HOST = "127.0.0.1"

# (argparse attribute, command-line flag) passed on to the app process.
_PASS_ON = (
    ("config", "--config"),
    ("profile", "--profile"),
    ("exchange", "--exchange"),
    ("region", "--region"),
    ("base_url", "--base-url"),
    ("account_id", "--account-id"),
    ("theme", "--theme"),
    ("import_path", "--import"),
)


def app_command(args) -> str:
    """The shell command textual-serve runs for each browser session."""
    parts = [sys.executable, "-m", "tui"]
    for attr, flag in _PASS_ON:
        value = getattr(args, attr, None)
        if value:
            parts += [flag, str(value)]
    if getattr(args, "demo", False):
        parts.append("--demo")
    return " ".join(shlex.quote(p) for p in parts)


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (0: any free port), or one clear InputError."""
    from tui.core.errors import InputError

    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: choose a port from 0 to 65535 (0 picks a free one)")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise InputError(
            f"cannot listen on {HOST}:{port}: {reason} (choose another --port)"
        ) from None
    sock.setblocking(False)
    return sock


def serve(args, redactor=None) -> int:
    from tui.ui.serve_guard import Guard, new_token
    from tui.ui.serve_server import GuardedServer

    sock = listen(int(getattr(args, "port", 8000)))
    guard = Guard(token=new_token(), port=sock.getsockname()[1])
    server = GuardedServer(app_command(args), guard)
    print(f"ordertui: serving the TUI on {guard.url()}", file=sys.stderr)
    print(
        "ordertui: open that URL in a browser on this machine; without its token every request"
        " is refused (Ctrl+C stops)",
        file=sys.stderr,
        flush=True,
    )
    if redactor is not None:  # printed once above; from now on scrubbed from every log and output
        redactor.add(guard.token)
    server.serve_on(sock)
    return 0
