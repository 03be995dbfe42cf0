"""Upbit request signing against vectors computed from the documented rule.

The rule (EXCHANGES.md): SHA-512 hex of the *unencoded* query string, arrays as repeated
`key[]=` pairs, the way the official Python sample computes `unquote(urlencode(params, doseq=True))`.
The expected hashes below were computed once from the literal strings shown next to them.
The JWT is checked with hand-written HMAC verification, not with PyJWT.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
import warnings

import pytest

from tui.exchanges.upbit_auth import encode_query, make_token, query_hash, unencoded_query

ACCESS = "ak-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET = "sk-0123456789abcdefghijklmnopqrstuvwxyz"

VECTORS = [
    (
        [("uuid", "cdd92199-2897-4e14-9448-f923320408ad")],
        "uuid=cdd92199-2897-4e14-9448-f923320408ad",
        "79bbec9454274d296b69505bda5f84d5e17b129499e1e1930e51fc3f15b8c4f5"
        "d3b13529c558fe30865bde47a8769ca26377f5c55fff94629be3caf7f1ba024e",
    ),
    (
        [
            ("uuids[]", "bbbb8e07-1689-4769-af3e-a117016623f8"),
            ("uuids[]", "4312ba49-5f1a-4a01-9f3b-2d2bce17267e"),
        ],
        "uuids[]=bbbb8e07-1689-4769-af3e-a117016623f8&uuids[]=4312ba49-5f1a-4a01-9f3b-2d2bce17267e",
        "5c4768e5a8446b6bee154697772ef8861f2829e470bbbb5f0fd12a790fdbdf1d"
        "ffbc280ac0b1e8d395777f81e22d5b586d554f191524ee6f974d74942db4f537",
    ),
    (  # characters that percent-encode on the wire: space, slash, ampersand, plus
        [("identifier", "my order/1&x+y")],
        "identifier=my+order/1&x+y",
        "79ab8433e2abc81d84c2b6c130584d8dd32548dd846fed2bb8f9cda0d3666924"
        "f9c700280522282d54ed244f8ad0d3bf2fa10aab2f3b08eb68b2b635d69d23bf",
    ),
    (
        [("identifiers[]", "grid#1"), ("identifiers[]", "a=b&c")],
        "identifiers[]=grid#1&identifiers[]=a=b&c",
        "ae03ab8df720908707eb3ec0a62e8b6d5d89436673dc16de1d0f256adb994d89"
        "5171fc24017f24bad1b907630f9ff50234efe8689a79ac67f0333f11340c9964",
    ),
    (  # non-ASCII identifiers hash as UTF-8
        [("identifier", "주문-1")],
        "identifier=주문-1",
        "0874e4308c8741c4088512641fe8fc65bfe306bbfcca6f4bbd8eb557d8fbd4d7"
        "46bd86b5b2af1477ffc9c5dd1b21b4d4e793b1c2febe11cb9ca66e976b1e0d3d",
    ),
]


def _b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(token: str, secret: str) -> tuple[dict, dict]:
    """Independent HS256/HS512 verification: returns (header, payload) or raises AssertionError."""
    head_b64, body_b64, sig_b64 = token.split(".")
    header = json.loads(_b64d(head_b64))
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[header["alg"]]
    expected = hmac.new(secret.encode(), f"{head_b64}.{body_b64}".encode(), digest).digest()
    assert hmac.compare_digest(expected, _b64d(sig_b64)), "bad signature"
    return header, json.loads(_b64d(body_b64))


@pytest.mark.parametrize(("params", "unencoded", "digest"), VECTORS)
def test_query_hash_matches_known_vectors(params, unencoded, digest):
    assert unencoded_query(params) == unencoded
    assert query_hash(params) == digest
    assert hashlib.sha512(unencoded.encode()).hexdigest() == digest


@pytest.mark.parametrize(("params", "unencoded", "digest"), VECTORS)
@pytest.mark.parametrize("alg", ["HS512", "HS256"])
def test_token_carries_hash_and_verifies(params, unencoded, digest, alg):
    token = make_token(ACCESS, SECRET, params, algorithm=alg)
    header, payload = verify_jwt(token, SECRET)
    assert header["alg"] == alg
    assert payload["access_key"] == ACCESS
    assert payload["query_hash"] == digest
    assert payload["query_hash_alg"] == "SHA512"
    assert uuid.UUID(payload["nonce"]).version == 4


def test_encoded_form_is_not_what_is_hashed():
    params = VECTORS[1][0]
    wire = encode_query(params)
    assert "uuids%5B%5D=" in wire  # percent-encoded on the wire...
    assert query_hash(params) != hashlib.sha512(wire.encode()).hexdigest()  # ...but not in the hash


def test_no_params_means_no_query_hash():
    _, payload = verify_jwt(make_token(ACCESS, SECRET), SECRET)
    assert set(payload) == {"access_key", "nonce"}


def test_fresh_nonce_every_token():
    nonces = {verify_jwt(make_token(ACCESS, SECRET), SECRET)[1]["nonce"] for _ in range(200)}
    assert len(nonces) == 200


def test_wrong_secret_does_not_verify():
    token = make_token(ACCESS, SECRET, VECTORS[0][0])
    with pytest.raises(AssertionError):
        verify_jwt(token, SECRET + "x")


def test_hs512_short_key_warning_stays_off_screen():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_token(ACCESS, "x" * 40, VECTORS[0][0], algorithm="HS512")
    assert not [w for w in caught if "HMAC key" in str(w.message)]


def test_unknown_algorithm_refused():
    with pytest.raises(ValueError):
        make_token(ACCESS, SECRET, algorithm="none")
