"""Authentication over real HTTP: the official signing way works, each mistake gets its documented error."""

from __future__ import annotations

import hashlib
import uuid
import warnings
from urllib.parse import urlencode

import jwt
import pytest

from tui.simulator.auth import TokenError, check_query_hash, parse_jwt

from .helpers import Upbit, error_name, sample_token


def open_uuids(sim, n):
    return [o["uuid"] for o in sim.state.upbit_open_orders()[:n]]


def still_open(sim, uuid_):
    return sim.state.upbit_order(uuid_)["state"] in ("wait", "watch")


def test_official_sample_signing_hs256_cancels(sim, upbit):
    target = open_uuids(sim, 2)
    r = upbit.delete("/v1/orders/uuids", {"uuids[]": target})
    assert r.status_code == 200, r.text
    assert r.json()["success"]["count"] == 2
    assert [sim.state.upbit_order(u)["state"] for u in target] == ["cancel", "cancel"]


def test_hs512_is_accepted(sim, upbit):
    target = open_uuids(sim, 1)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        r = upbit.delete("/v1/order", {"uuid": target}, alg="HS512")
    assert r.status_code == 200, r.text
    assert sim.state.upbit_order(target)["state"] == "cancel"


def test_get_without_params_needs_no_query_hash(sim, upbit):
    r = upbit.get("/v1/orders/open")
    assert r.status_code == 200
    assert len(r.json()) > 0


def test_hash_of_percent_encoded_query_is_invalid_query_payload(sim, upbit):
    target = open_uuids(sim, 2)
    params = {"uuids[]": target}
    encoded = urlencode(params, doseq=True)  # uuids%5B%5D=...: the common mistake
    assert "%5B%5D" in encoded
    r = upbit.delete("/v1/orders/uuids", params, query_string=encoded)
    assert r.status_code == 401
    assert error_name(r) == "invalid_query_payload"
    assert all(still_open(sim, u) for u in target)


def test_query_hash_of_other_params_is_rejected(sim, upbit):
    a, b = open_uuids(sim, 2)
    token = sample_token(upbit.creds["access_key"], upbit.creds["secret_key"], {"uuid": a})
    r = upbit.http.delete(
        "/v1/order", params={"uuid": b}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401 and error_name(r) == "invalid_query_payload"
    assert still_open(sim, b)


def test_params_without_query_hash_are_rejected(sim, upbit):
    token = sample_token(upbit.creds["access_key"], upbit.creds["secret_key"])  # no params signed
    r = upbit.http.get(
        "/v1/orders/open",
        params={"market": "KRW-BTC"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 401 and error_name(r) == "invalid_query_payload"


def test_query_hash_alg_must_be_sha512(sim, upbit):
    params = {"market": "KRW-BTC"}
    qs = "market=KRW-BTC"
    payload = {
        "access_key": upbit.creds["access_key"],
        "nonce": str(uuid.uuid4()),
        "query_hash": hashlib.sha512(qs.encode()).hexdigest(),
        "query_hash_alg": "SHA256",
    }
    token = jwt.encode(payload, upbit.creds["secret_key"], algorithm="HS256")
    r = upbit.http.get(
        "/v1/orders/open", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401 and error_name(r) == "invalid_query_payload"


def test_reused_nonce_is_nonce_used(sim, upbit):
    nonce = str(uuid.uuid4())
    first = upbit.get("/v1/orders/open", nonce=nonce)
    assert first.status_code == 200
    again = upbit.get("/v1/orders/open", nonce=nonce)
    assert again.status_code == 401 and error_name(again) == "nonce_used"


def test_wrong_secret_is_jwt_verification(sim, upbit):
    target = open_uuids(sim, 1)[0]
    token = sample_token(upbit.creds["access_key"], "x" * 40, {"uuid": target})
    r = upbit.http.delete(
        "/v1/order", params={"uuid": target}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401 and error_name(r) == "jwt_verification"
    assert still_open(sim, target)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "e30.e30.", "e30.W10.c2ln"])
def test_malformed_token_is_jwt_verification(sim, upbit, token):
    r = upbit.http.get("/v1/orders/open", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and error_name(r) == "jwt_verification"


def test_non_bearer_authorization_is_no_authorization_token(sim, upbit):
    r = upbit.http.get("/v1/orders/open", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401 and error_name(r) == "no_authorization_token"


def test_alg_none_is_refused(sim, upbit):
    token = jwt.encode(
        {"access_key": upbit.creds["access_key"], "nonce": str(uuid.uuid4())},
        None,
        algorithm="none",
    )
    r = upbit.http.get("/v1/orders/open", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and error_name(r) == "jwt_verification"


def test_unknown_access_key_is_invalid_access_key(sim, upbit):
    token = sample_token("A" * 40, upbit.creds["secret_key"])
    r = upbit.http.get("/v1/orders/open", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and error_name(r) == "invalid_access_key"


def test_missing_token_is_no_authorization_token(sim, upbit):
    r = upbit.http.get("/v1/orders/open")
    assert r.status_code == 401 and error_name(r) == "no_authorization_token"
    assert r.headers["Remaining-Req"].startswith("group=default; min=1800; sec=")


def test_body_on_delete_is_query_parameter_not_supported(sim, upbit):
    target = open_uuids(sim, 1)[0]
    r = upbit.delete(
        "/v1/order",
        {"uuid": target},
        content=b'{"uuid": "%s"}' % target.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and error_name(r) == "QUERY_PARAMETER_NOT_SUPPORTED"
    assert still_open(sim, target)


def test_21_uuids_is_validation_error(sim, upbit):
    target = open_uuids(sim, 21)
    r = upbit.delete("/v1/orders/uuids", {"uuids[]": target})
    assert r.status_code == 400 and error_name(r) == "validation_error"
    assert all(still_open(sim, u) for u in target)
    ok = upbit.delete("/v1/orders/uuids", {"uuids[]": target[:20]})
    assert ok.status_code == 200 and ok.json()["success"]["count"] == 20


def test_uuids_and_identifiers_together_is_validation_error(sim, upbit):
    with_id = [o for o in sim.state.upbit_open_orders() if "identifier" in o]
    params = [("uuids[]", with_id[0]["uuid"]), ("identifiers[]", with_id[1]["identifier"])]
    r = upbit.delete("/v1/orders/uuids", params)
    assert r.status_code == 400 and error_name(r) == "validation_error"
    assert still_open(sim, with_id[0]["uuid"])


def test_readonly_key_delete_is_out_of_scope_401_in_korea(sim):
    ro = Upbit(sim, "upbit_readonly")
    target = open_uuids(sim, 1)[0]
    r = ro.delete("/v1/order", {"uuid": target})
    assert r.status_code == 401 and error_name(r) == "out_of_scope"
    assert still_open(sim, target)
    assert ro.get("/v1/order", {"uuid": target}).status_code == 200  # reading is allowed
    ro.close()


@pytest.mark.parametrize("region", ["sg", "th"])
def test_readonly_key_delete_is_out_of_scope_403_globally(make_server, region):
    sim = make_server(region=region)
    ro = Upbit(sim, "upbit_readonly")
    target = open_uuids(sim, 1)[0]
    r = ro.delete("/v1/orders/uuids", {"uuids[]": [target]})
    assert r.status_code == 403 and error_name(r) == "out_of_scope"
    assert still_open(sim, target)
    ro.close()


def test_auth_failures_are_counted(sim, upbit):
    upbit.http.get("/v1/orders/open")
    upbit.http.get("/v1/orders/open", headers={"Authorization": "Bearer x.y.z"})
    assert sim.state.stats.auth_failures == 2


# ---- the verifier itself (no server) -------------------------------------------------


def test_verifier_accepts_pyjwt_tokens_and_rejects_tampering():
    secret = "s" * 40
    for alg in ("HS256", "HS512"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            token = jwt.encode({"access_key": "k", "nonce": "n"}, secret, algorithm=alg)
        parsed = parse_jwt(token)
        assert parsed.alg == alg and parsed.payload == {"access_key": "k", "nonce": "n"}
        assert parsed.signature_ok(secret)
        assert not parsed.signature_ok(secret + "x")
        head, body, sig = token.split(".")
        forged = jwt.encode(
            {"access_key": "k", "nonce": "other"}, "w" * 40, algorithm="HS256"
        ).split(".")[1]
        assert not parse_jwt(f"{head}.{forged}.{sig}").signature_ok(secret)


def test_query_hash_check_uses_unencoded_pairs_in_order():
    pairs = [("uuids[]", "a"), ("uuids[]", "b")]
    good = {
        "query_hash": hashlib.sha512(b"uuids[]=a&uuids[]=b").hexdigest(),
        "query_hash_alg": "SHA512",
    }
    check_query_hash(good, pairs)
    with pytest.raises(TokenError) as err:
        check_query_hash(good, list(reversed(pairs)))
    assert err.value.name == "invalid_query_payload"
    encoded = {
        "query_hash": hashlib.sha512(b"uuids%5B%5D=a&uuids%5B%5D=b").hexdigest(),
        "query_hash_alg": "SHA512",
    }
    with pytest.raises(TokenError):
        check_query_hash(encoded, pairs)
    check_query_hash({}, [])  # no parameters: nothing to hash


def test_identifier_with_space_signed_the_sample_way(sim, upbit):
    o = sim.state.add_upbit_order(identifier="my order #1")
    r = upbit.delete("/v1/order", {"identifier": "my order #1"})
    assert r.status_code == 200, r.text
    assert r.json()["uuid"] == o["uuid"]


def test_query_hash_without_params_is_ignored(sim, upbit):
    """Documented choice: a query_hash on a call without parameters is accepted."""
    payload = {
        "access_key": upbit.creds["access_key"],
        "nonce": str(uuid.uuid4()),
        "query_hash": hashlib.sha512(b"x=1").hexdigest(),
        "query_hash_alg": "SHA512",
    }
    token = jwt.encode(payload, upbit.creds["secret_key"], algorithm="HS256")
    r = upbit.http.get("/v1/orders/open", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_nonce_is_spent_only_by_an_accepted_request(sim, upbit):
    nonce = str(uuid.uuid4())
    bad = upbit.get(
        "/v1/orders/open", {"market": "KRW-BTC"}, nonce=nonce, query_string="market=KRW-ETH"
    )
    assert bad.status_code == 401 and error_name(bad) == "invalid_query_payload"
    good = upbit.get("/v1/orders/open", {"market": "KRW-BTC"}, nonce=nonce)
    assert good.status_code == 200
    assert (
        error_name(upbit.get("/v1/orders/open", {"market": "KRW-BTC"}, nonce=nonce)) == "nonce_used"
    )
