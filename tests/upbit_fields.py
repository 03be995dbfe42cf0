"""Upbit's documented amount fields of an order object (strings on REST, exact Decimals once
read): one list for the model, fast-path and simulator tests, written from the API pages, not
from the code under test."""

UPBIT_AMOUNT_FIELDS = (
    "price",
    "volume",
    "remaining_volume",
    "executed_volume",
    "reserved_fee",
    "remaining_fee",
    "paid_fee",
    "locked",
    "prevented_volume",
    "prevented_locked",
)
