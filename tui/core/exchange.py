"""The exchanges ordertui talks to. A `StrEnum`: a member equals its wire/config string, so it
compares with what a config file, a journal or a flag says (`Exchange.B2TRADER == "b2trader"`).

Imports nothing: the argument parser and the config use it without loading the models.
"""

from __future__ import annotations

from enum import StrEnum


class Exchange(StrEnum):
    UPBIT = "upbit"
    B2TRADER = "b2trader"


EXCHANGE_NAMES: tuple[str, ...] = tuple(e.value for e in Exchange)
