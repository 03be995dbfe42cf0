"""A program on a pseudo-terminal, as a user's shell would run it: `ordertui` is the session
leader and the terminal is its controlling terminal, so closing the master side is a real
hang-up (the kernel sends SIGHUP; every later write to the terminal fails with EIO)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import termios
import threading

from .helpers import CLI, wait_for

ANSI = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b."
)


class Pty:
    """`ordertui` as the session leader of a pseudo-terminal, its controlling terminal; the
    master side is read all along (as a terminal would) until it is closed: a hang-up."""

    def __init__(
        self, args: list[str], env: dict[str, str], size: tuple[int, int] = (40, 120)
    ) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: nothing here may raise into the test runner's code
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
                os.chdir(env["HOME"])
                os.execve(CLI[0], [*CLI, *args], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.status: int | None = None
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data

    def mark(self) -> int:
        """Where the output is now: `text(since=mark)` is what was drawn after this."""
        with self._lock:
            return len(self.output)

    def text(self, since: int = 0) -> str:
        with self._lock:
            return self.output[since:].decode("utf-8", errors="replace")

    def screen_text(self, since: int = 0) -> str:
        """What was drawn, escape sequences removed (cursor moves become nothing)."""
        return ANSI.sub("", self.text(since))

    def write(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def hang_up(self) -> None:
        os.close(self.fd)  # the kernel sends SIGHUP to the terminal's session

    def poll(self) -> int | None:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status

    def wait(self, timeout: float) -> int:
        wait_for(lambda: self.poll() is not None, timeout, step=0.05, what="the process to end")
        assert self.status is not None
        return self.status

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        try:
            os.close(self.fd)
        except OSError:
            pass
