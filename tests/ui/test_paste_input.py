"""A bracketed paste is text, never key presses: the raw input stream through the parser the
app's driver really uses, timeouts on a controlled clock (no sleeps)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest
import textual._parser
from hypothesis import given
from hypothesis import strategies as st
from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.web_driver import WebDriver

from tests.reliability.fuzzing import FUZZ
from tui.ui.terminal_input import (
    PASTE_END,
    PASTE_START,
    PasteSafeLinuxDriver,
    PasteSafeParser,
    PasteSafeWebDriver,
    harmless,
)

# The paste of the issue: ESC and more than 32 ordinary characters made Textual's parser
# press a (select all), c (cancel) and y (confirm).
ISSUE_TEXT = "order list\n" + "\x1b" + "ac" + "0" * 28 + "y" + "\nthanks\n"
ISSUE_STREAM = PASTE_START + ISSUE_TEXT + PASTE_END
SHOWN = "order list\n\u241bac" + "0" * 28 + "y\nthanks\n"
PAST_ANY_TIMEOUT = 1.0  # seconds; Textual waits ESCAPE_DELAY (0.1 s) after an ESC


class Terminal:
    """Feeds a parser as reads from a terminal arrive, on a clock the test moves."""

    def __init__(self, parser_class: type[XTermParser]) -> None:
        self.now = 1000.0
        self.parser = parser_class()
        self.messages: list = []

    def feed(self, chunk: str) -> None:
        assert chunk, "an empty read is the end of input (see end())"
        self.messages += list(self.parser.feed(chunk))

    def wait(self, seconds: float) -> None:
        """Time passes with no input (the driver ticks the parser every 0.1 s)."""
        self.now += seconds
        self.messages += list(self.parser.tick())

    def end(self) -> None:
        self.messages += list(self.parser.feed(""))

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.messages if isinstance(m, events.Key)]

    @property
    def pastes(self) -> list[str]:
        return [m.text for m in self.messages if isinstance(m, events.Paste)]


@pytest.fixture
def terminal(monkeypatch):
    """A terminal on the parser the app's Linux driver uses."""
    made: list[Terminal] = []
    monkeypatch.setattr(textual._parser, "get_time", lambda: made[0].now)
    made.append(Terminal(PasteSafeLinuxDriver.parser_class))
    return made[0]


def test_the_paste_of_the_issue_is_one_paste_and_no_keys(terminal):
    terminal.feed(ISSUE_STREAM)
    terminal.wait(PAST_ANY_TIMEOUT)
    assert terminal.keys == []
    assert terminal.pastes == [SHOWN]
    assert len(terminal.messages) == 1


def test_textuals_own_parser_still_presses_keys_from_that_paste(monkeypatch):
    """The upstream behaviour the app defends against. When this fails, Textual has fixed
    it: PasteSafeParser can go (README, Known limits)."""
    stock = Terminal(XTermParser)
    monkeypatch.setattr(textual._parser, "get_time", lambda: stock.now)
    stock.feed(ISSUE_STREAM)
    assert {"a", "c", "y"} <= set(stock.keys)


@pytest.mark.parametrize("pause", [0.0, PAST_ANY_TIMEOUT])
def test_split_anywhere_with_any_pause_it_is_still_one_paste(monkeypatch, pause):
    """Reads end anywhere, the end marker split included, and a pause after an ESC inside a
    paste is not an escape key. (A pause inside the start marker is not a paste: terminals
    write the marker at once, and without it nothing says a paste began.)"""
    for cut in range(1, len(ISSUE_STREAM)):
        term = Terminal(PasteSafeParser)
        monkeypatch.setattr(textual._parser, "get_time", lambda term=term: term.now)
        term.feed(ISSUE_STREAM[:cut])
        term.wait(pause if cut >= len(PASTE_START) else 0.0)
        term.feed(ISSUE_STREAM[cut:])
        term.wait(PAST_ANY_TIMEOUT)
        assert (term.keys, term.pastes) == ([], [SHOWN]), f"cut at {cut}"


def test_keys_around_a_paste_are_still_keys(terminal):
    terminal.feed("x\x1b[A")  # a key and an arrow
    terminal.feed(PASTE_START + "abc" + PASTE_END)
    terminal.feed("q\x1b")  # a key and the escape key, known by the pause after it
    terminal.wait(PAST_ANY_TIMEOUT)
    kinds = [
        ("key", m.key) if isinstance(m, events.Key) else ("paste", m.text)
        for m in terminal.messages
    ]
    assert kinds == [("key", "x"), ("key", "up"), ("paste", "abc"), ("key", "q"), ("key", "escape")]


def test_a_start_marker_inside_a_paste_is_text(terminal):
    terminal.feed(PASTE_START + "a" + PASTE_START + "b" + PASTE_END + "z")
    assert terminal.pastes == ["a\u241b[200~b"]
    assert terminal.keys == ["z"]


def test_a_paste_cut_off_by_the_end_of_input_is_still_text(terminal):
    terminal.feed(PASTE_START + "abc\x1bay")
    terminal.wait(PAST_ANY_TIMEOUT)
    assert terminal.messages == []
    terminal.end()
    assert (terminal.keys, terminal.pastes) == ([], ["abc\u241bay"])


def test_control_characters_of_a_paste_become_visible_symbols(terminal):
    text = "id\t1\r\nESC\x1b]52;c;aGk=\x07 CSI\x9b2J NUL\x00 DEL\x7f BS\x08"
    terminal.feed(PASTE_START + text + PASTE_END)
    assert terminal.keys == []
    (shown,) = terminal.pastes
    assert shown == "id\t1\r\nESC\u241b]52;c;aGk=\u2407 CSI\ufffd2J NUL DEL\u2421 BS\u2408"
    assert all(c in "\t\r\n" or (c >= " " and not "\x7f" <= c <= "\x9f") for c in shown)


# ---- property: whatever a paste holds ------------------------------------------------------------

FRAGMENTS = [
    "\x1b",
    "\x1b[",
    "\x1b[20",
    "\x1b[201",
    "\x1b[200~",
    "\x1b[1;5A",
    "\x1b[<0;3;4M",
    "\x1b[M !!",
    "\x1bO",
    "\x1b\x1b",
    "[",
    "O",
    "~",
    ";",
    "0",
    "1",
    "2",
    "a",
    "c",
    "y",
    "\r",
    "\n",
    "\t",
    "\x00",
    "\x03",
    "\x07",
    "\x7f",
    "\x9b",
    "0" * 40,
]


def without_end_marker(text: str) -> str:
    while PASTE_END in text:
        text = text.replace(PASTE_END, "\x1b[201")
    return text


paste_texts = (
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=60)
    .map("".join)
    .map(without_end_marker)
)


@FUZZ
@given(
    text=paste_texts,
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
    pauses=st.lists(st.sampled_from([0.0, 0.01, 0.05, 0.2, 5.0]), min_size=9, max_size=9),
    around=st.booleans(),
)
def test_whatever_a_paste_holds_it_is_one_paste_and_never_a_key(text, cuts, pauses, around):
    stream = PASTE_START + text + PASTE_END
    started = len(PASTE_START)  # pauses from here on: inside the paste
    if around:
        stream, started = "x" + stream + "q", started + 1
    term = Terminal(PasteSafeParser)
    real = textual._parser.get_time
    textual._parser.get_time = lambda: term.now  # hypothesis forbids function-scoped fixtures
    try:
        bounds = sorted({0, *(c for c in cuts if c < len(stream)), len(stream)})
        for start, stop, pause in zip(bounds, bounds[1:], pauses, strict=False):
            term.feed(stream[start:stop])
            term.wait(pause if stop >= started else 0.0)
        term.wait(PAST_ANY_TIMEOUT)
    finally:
        textual._parser.get_time = real
    expected = [events.Paste(harmless(text))]
    if around:
        assert term.keys == ["x", "q"]
        assert isinstance(term.messages[0], events.Key) and isinstance(term.messages[2], events.Key)
        term.messages = term.messages[1:2]
    assert [type(m) for m in term.messages] == [events.Paste]
    assert term.pastes == [e.text for e in expected]


# ---- the app really reads its input with it --------------------------------------------------------


def test_the_app_runs_with_the_paste_safe_driver_on_linux_and_in_the_browser(make_app, monkeypatch):
    if sys.platform == "win32":
        pytest.skip("Windows keeps Textual's driver (Known limits)")
    app = make_app()
    assert app.driver_class is PasteSafeLinuxDriver
    assert issubclass(PasteSafeLinuxDriver, LinuxDriver)
    assert PasteSafeLinuxDriver.parser_class is PasteSafeParser
    # `ordertui serve`: textual-serve names the web driver in TEXTUAL_DRIVER.
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.web_driver:WebDriver")
    assert make_app().driver_class is PasteSafeWebDriver
    assert issubclass(PasteSafeWebDriver, WebDriver)
    assert PasteSafeWebDriver.parser_class is PasteSafeParser


@pytest.fixture
def keep_signal_handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")
async def test_the_linux_driver_reads_raw_bytes_through_it(make_app, keep_signal_handlers):
    """The driver's own input thread on a pipe: the issue's bytes, split mid-marker, with a
    byte that is not UTF-8 inside the paste (it must not end the input thread)."""
    app = make_app()
    driver = app.driver_class(app, debug=False, mouse=False, size=(80, 24))
    assert isinstance(driver, PasteSafeLinuxDriver)
    read_end, write_end = os.pipe()
    driver.fileno = read_end
    received: list = []
    driver.process_message = received.append
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    head, tail = ISSUE_TEXT.split("thanks")
    try:
        os.write(write_end, b"x" + (PASTE_START + head).encode() + b"\xff")
        os.write(write_end, ("thanks" + tail + PASTE_END[:3]).encode())
        os.write(write_end, (PASTE_END[3:] + "q").encode())
        wait_until(lambda: any(isinstance(m, events.Key) and m.key == "q" for m in received))
    finally:
        driver.exit_event.set()
        thread.join(5)
        os.close(write_end)
        os.close(read_end)
    assert not thread.is_alive()
    assert [m.key for m in received if isinstance(m, events.Key)] == ["x", "q"]
    pasted = harmless(head + "\ufffd" + "thanks" + tail)
    assert [m.text for m in received if isinstance(m, events.Paste)] == [pasted]


class PacketReader:
    """What textual-serve sends the app on stdin: packets of the browser terminal's bytes."""

    def __init__(self, *payloads: bytes) -> None:
        self.packets = [b"D" + len(p).to_bytes(4, "big") + p for p in payloads]
        self.closed = False

    def __iter__(self):
        yield from self.packets

    def close(self) -> None:
        self.closed = True


async def test_the_web_driver_reads_the_browser_bytes_through_it(make_app, monkeypatch):
    import textual.drivers.web_driver as web_driver

    head, tail = ISSUE_TEXT.split("thanks")
    reader = PacketReader(
        b"x" + (PASTE_START + head).encode() + b"\xff",
        ("thanks" + tail + PASTE_END[:3]).encode(),
        (PASTE_END[3:] + "q").encode(),
    )
    monkeypatch.setattr(web_driver, "InputReader", lambda: reader)
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.web_driver:WebDriver")
    app = make_app()
    driver = app.driver_class(app, debug=False, mouse=False, size=(80, 24))
    assert isinstance(driver, PasteSafeWebDriver)
    received: list = []
    driver.process_message = received.append
    driver.run_input_thread()  # reads the packets above, then ends
    assert reader.closed
    assert [m.key for m in received if isinstance(m, events.Key)] == ["x", "q"]
    pasted = harmless(head + "\ufffd" + "thanks" + tail)
    assert [m.text for m in received if isinstance(m, events.Paste)] == [pasted]
