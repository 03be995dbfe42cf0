"""Exchange simulator: Upbit (kr/sg/id/th) and B2TRADER on loopback, from the documented rules.

Entry points: ``SimulatorServer`` (server.py), ``create_app`` (app.py),
``SimConfig`` (config.py), ``main`` (cli.py, ``ordertui simulate``).
This package shares no code with tui.core / tui.exchanges / tui.ui and never
imports Textual; ``import tui.simulator.server`` does not import Starlette or uvicorn.

Choices where the exchanges' documents are silent (all marked *inferred*):

Upbit
- Check order: 418 block / 429 limit (counted at arrival) -> latency -> injected
  503 -> auth (401) -> out_of_scope -> body on DELETE (400) -> parameters (400).
- Token errors: missing/non-Bearer header ``no_authorization_token``; malformed,
  alg other than HS256/HS512, bad signature or no nonce ``jwt_verification``;
  unknown access key ``invalid_access_key``; reused nonce ``nonce_used``
  (a nonce is spent only by a request that passes auth).
- ``query_hash`` is checked only when the request has query parameters; a
  query_hash without parameters is ignored (accepted).
- Finished orders: single cancel answers 400 ``done_order`` (filled) or 400
  ``canceled_order`` (already cancelled); in a batch they land in ``failed``.
  Unknown ids in a batch: ``{"uuid": <sent>, "market": null}`` (or
  ``{"uuid": null, "market": null, "identifier": <sent>}``).
- A cancelled order keeps its numbers (remaining_volume, locked, fees) and only
  changes state; a filled one gets remaining 0, locked 0, remaining_fee 0.
- GET /v1/orders/open without state/states[] lists ``wait`` only.
  limit > 100, page < 1, unknown state: 400 validation_error (no clamping).
- DELETE /v1/orders/open: ``pairs``, ``excluded_pairs``, ``quote_currencies`` are
  comma-separated; group ``order-cancel-all`` (``min=30``), 1 call per 2 s.
- 429 body: plain text ``Too many API requests.``. 418 body:
  ``{"error": {"name": "blocked", "message": "...blocked for N seconds."}}`` and
  ``Retry-After: N``. 503 (injected): ``service_unavailable``.
- Rate limit buckets: per account once the token verifies (both key pairs share
  one account), else per client address. Refused calls (429) count too.
- Escalation: ban_after_429=100 429s within ban_window=10 s -> next over-limit
  call is 418, blocked ban_seconds=10 s, doubling per repeat (cap 600 s). A
  single burst of 100 calls at 30/s earns 70 429s: never a 418.
- ``background_rps`` (``--background-rps N``, ``POST /_sim/background``): another
  client of the account's pocket spends N ``default`` requests per second, evenly
  spread and already running when the first request comes; its requests count in
  Remaining-Req, its 429s towards escalation (counted apart in the stats).
- ``out_of_scope`` (and, with ``refuse_ip``, ``no_authorization_ip``) is 401 in
  Korea, 403 elsewhere; ``scope_status=403`` answers 403 in Korea too, as its
  current error guide says. ``POST /_sim/b2trader/expire-token`` expires the
  B2TRADER token mid-run (later requests: 401).

B2TRADER
- Error body ``{"code": "<Name>", "message": "<text>"}``; 401 Unauthorized,
  400 AccountIdRequired (no accountId header), 403 AccountForbidden (accountId
  not owned by the token), 404 OrderNotFound (unknown, or another account's),
  400 OrderNotCancellable (Completed/Cancelled/Expired/Rejected),
  429 TooManyRequests (+ Retry-After), 503 ServiceUnavailable.
- Cancellable statuses: Started, Pending, Working. A cancel returns the order
  with status Cancelled and cancellationDate set.

Faults apply to exchange paths only, never to /_sim/. Fill-before-cancel races
are decided per order from (seed, id), independent of request order.
"""
