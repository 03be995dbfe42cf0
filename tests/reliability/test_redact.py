"""The scrubber behind the journal, the log and CLI output: secrets, bearer tokens and
JWT-looking strings never get through, in messages, arguments or tracebacks."""

from __future__ import annotations

import logging

from tui.core.redact import REDACTED, RedactingFilter, Redactor
from tui.exchanges.upbit_auth import make_token

ACCESS = "AccessKeyAccessKeyAccessKeyAccessKey0001"
SECRET = "SecretKeySecretKeySecretKeySecretKey0001"


def test_scrubs_keys_bearer_tokens_and_jwts():
    token = make_token(ACCESS, SECRET, [("uuid", "x")])
    r = Redactor([ACCESS, SECRET, None, "", "short"])
    text = r.scrub(
        f"key {ACCESS} secret {SECRET} header Authorization: Bearer {token} bare {token} "
        f"b2 bearer abc.def-ghi_jkl"
    )
    for leaked in (ACCESS, SECRET, token, "abc.def-ghi_jkl"):
        assert leaked not in text
    assert text.count(REDACTED) >= 5
    assert (
        r.scrub("an order KRW-BTC 0b4b2f3e-1111-4222-8333-444455556666 short")
        == "an order KRW-BTC 0b4b2f3e-1111-4222-8333-444455556666 short"
    )  # ordinary data untouched


def test_scrubbing_a_json_document_keeps_it_json():
    """`cancel --json` passes stdout through the scrubber: an exchange's 401 message that says
    "Bearer token." used to swallow the JSON after it, up to the next space."""
    import json

    token = make_token(ACCESS, SECRET)
    document = json.dumps(
        {
            "failed": [{"error": {"message": "Missing or invalid Bearer token.", "status": 401}}],
            "echo": f"Authorization: Bearer {token}",
            "b2": "bearer abc.def-ghi_jkl+/x==",
            "after": "kept",
        }
    )
    scrubbed = json.loads(Redactor([ACCESS, SECRET]).scrub(document))
    assert scrubbed["after"] == "kept"
    assert scrubbed["failed"][0]["error"]["status"] == 401
    assert scrubbed["echo"] == f"Authorization: Bearer {REDACTED}"
    assert scrubbed["b2"] == f"bearer {REDACTED}"


def test_a_secret_added_later_is_scrubbed_too():
    r = Redactor()
    r.add(SECRET)
    r.add(SECRET)
    assert SECRET not in r.scrub(f"x{SECRET}x")


def _logger(tmp_path):
    path = tmp_path / "log.txt"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(Redactor([ACCESS, SECRET])))
    logger = logging.getLogger(f"ordertui.test.{tmp_path.name}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return logger, handler, path


def test_the_log_filter_scrubs_messages_arguments_and_tracebacks(tmp_path):
    logger, handler, path = _logger(tmp_path)
    token = make_token(ACCESS, SECRET)
    logger.info("sent %s with %r", ACCESS, {"Authorization": f"Bearer {token}"})
    try:
        raise ValueError(f"the server said: bad secret {SECRET} / token {token}")
    except ValueError:
        logger.exception("internal error while using %s", ACCESS)
    logger.warning("stack", stack_info=True)
    handler.close()
    text = path.read_text()
    assert "internal error" in text and "ValueError" in text and "Traceback" in text
    for leaked in (ACCESS, SECRET, token):
        assert leaked not in text, leaked
