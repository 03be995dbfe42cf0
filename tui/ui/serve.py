"""`ordertui serve`: the TUI in a web browser via textual-serve, bound to 127.0.0.1 only.

Each browser tab starts its own `python -m tui` process with the same options; nothing
listens beyond loopback (forward the port over SSH to show it elsewhere).
"""

from __future__ import annotations

import shlex
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


def serve(args) -> int:
    from textual_serve.server import Server

    port = int(getattr(args, "port", 8000) or 8000)
    server = Server(app_command(args), host=HOST, port=port, title="ordertui")
    print(f"ordertui: serving the TUI on http://{HOST}:{port} (Ctrl+C stops)", file=sys.stderr)
    server.serve()
    return 0
