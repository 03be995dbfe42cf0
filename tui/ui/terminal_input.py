"""Terminal input: everything between paste start (ESC[200~) and paste end (ESC[201~) is text.

Textual 8.2's `XTermParser` turns part of a bracketed paste into key presses: an unrecognised
escape sequence longer than 32 characters is reissued as keys even inside a paste, and so is
an ESC followed by a pause. A pasted "ESC a c 0000… y" therefore pressed `a` (select all),
`c` (cancel) and `y` (confirm). Some terminals pass ESC through in pasted text, so the app
cannot rely on the terminal: `PasteSafeParser` keeps Textual's parser for everything outside
a paste and reads the inside itself, as text, until the end marker, however long it is and
whatever pauses or escape bytes it holds. The paste arrives as one `events.Paste`, its control
characters shown as symbols (U+2400 "control pictures") so that nothing written back to the
screen from it can drive the terminal either.

The drivers below are Textual's own with this parser in their input loop; `OrderTuiApp`
picks them (`paste_safe_driver`). Their `run_input_thread` bodies follow Textual 8.2.8's
(pinned in pyproject.toml); the only other change is that bytes that are not UTF-8 become
U+FFFD instead of ending the input thread (and the app) with a traceback.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Generator
from typing import Final

from textual import events
from textual._loop import loop_last
from textual._parser import ParseEOF, ParseError, ParseTimeout, Peek1, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.driver import Driver
from textual.drivers._byte_stream import ByteStream
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.web_driver import WebDriver, _ExitInput

PASTE_START: Final = BRACKETED_PASTE_START
PASTE_END: Final = BRACKETED_PASTE_END

# Control characters of pasted text become visible symbols; tab, newline and CR stay (they
# separate ids), NUL is dropped as Textual drops it (some terminals pad with it).
_HARMLESS: Final[dict[int, str | None]] = {
    0x00: None,
    **{c: chr(0x2400 + c) for c in range(0x01, 0x20) if chr(c) not in "\t\n\r"},
    0x7F: "\u2421",
    **{c: "\ufffd" for c in range(0x80, 0xA0)},  # C1 controls (e.g. U+009B, a one-byte CSI)
}


def harmless(text: str) -> str:
    """`text` with every control character but tab, newline and CR made visible."""
    return text.translate(_HARMLESS)


class PasteSafeParser(XTermParser):
    """Textual's parser outside a paste; inside one, text until the end marker, never keys."""

    def parse(self, token_callback: TokenCallback) -> Generator[Read1 | Peek1, str, None]:
        def stock() -> tuple[Generator[Read1 | Peek1, str, None], Read1 | Peek1]:
            parser = XTermParser.parse(self, token_callback)
            return parser, next(parser)

        inner, wanted = stock()
        taken = ""  # what the stock parser took since it last waited without a timeout
        while True:
            try:
                character = yield wanted
            except ParseTimeout:  # the stock parser asked for a timeout: an escape sequence
                wanted, taken = inner.throw(ParseTimeout()), ""
                continue
            except ParseEOF:
                try:
                    inner.throw(ParseEOF())
                except StopIteration:
                    pass
                return
            try:
                wanted = inner.send(character)
            except StopIteration:
                return
            taken += character
            if wanted.timeout is not None:  # in the middle of an escape sequence
                continue
            if taken.endswith(PASTE_START):
                # The stock parser has just entered its paste mode: retire it and read the
                # paste here. Its only state was that paste mode; a fresh one takes over after.
                inner.close()
                text, ended = yield from self._read_paste()
                token_callback(events.Paste(harmless(text)))
                if not ended:
                    return
                inner, wanted = stock()
            taken = ""

    def _read_paste(self) -> Generator[Read1, str, tuple[str, bool]]:
        """Everything up to the end marker. No timeout: a pause does not end a paste."""
        buffer: list[str] = []
        marker = list(PASTE_END)
        size = len(marker)
        while True:
            try:
                character = yield self.read1()
            except ParseTimeout:  # not asked for; nothing inside a paste is ever a key
                continue
            except ParseEOF:
                return "".join(buffer), False
            buffer.append(character)
            if character == "~" and buffer[-size:] == marker:
                del buffer[-size:]
                return "".join(buffer), True


class PasteSafeLinuxDriver(LinuxDriver):
    """Textual's Linux/macOS driver, reading input with `PasteSafeParser`."""

    parser_class: type[XTermParser] = PasteSafeParser

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        EVENT_READ = selectors.EVENT_READ
        parser = self.parser_class(self._debug)
        feed = parser.feed
        tick = parser.tick
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        read = os.read

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
        ) -> None:
            for last, (_selector_key, mask) in loop_last(selector_events):
                if mask & EVENT_READ:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:  # stdin is a pipe at its end
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(0.1))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass


class PasteSafeWebDriver(WebDriver):
    """Textual's web driver (`ordertui serve`), reading the browser's input with
    `PasteSafeParser`."""

    parser_class: type[XTermParser] = PasteSafeParser

    def run_input_thread(self) -> None:
        input_reader = self._input_reader
        parser = self.parser_class(debug=self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        byte_stream = ByteStream()
        try:
            for data in input_reader:
                if data:
                    for packet_type, payload in byte_stream.feed(data):
                        if packet_type == "D":  # the terminal's input
                            for event in parser.feed(decode(payload)):
                                self.process_message(event)
                        else:
                            self._on_meta(packet_type, payload)
                for event in parser.tick():
                    self.process_message(event)
        except _ExitInput:
            pass
        except Exception:
            from traceback import format_exc

            from textual import log

            log(format_exc())
        finally:
            input_reader.close()


def paste_safe_driver(driver_class: type[Driver]) -> type[Driver]:
    """The paste-safe version of the driver Textual chose, where there is one (Windows and
    drivers named in TEXTUAL_DRIVER other than the web one are left as they are)."""
    if driver_class is LinuxDriver:
        return PasteSafeLinuxDriver
    if driver_class is WebDriver:
        return PasteSafeWebDriver
    return driver_class
