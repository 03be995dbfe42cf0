"""Hypothesis settings of this suite: a CI profile (fast) and a bench profile (>= 10,000
examples per property), chosen with HYPOTHESIS_PROFILE=bench. Applied per test with `@FUZZ`
(not loaded globally, so other suites keep their own settings)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(
    deadline=None,
    database=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.register_profile("ordertui-ci", max_examples=200, **_COMMON)
settings.register_profile("ordertui-bench", max_examples=10_000, **_COMMON)

PROFILE = (
    "ordertui-bench"
    if os.environ.get("HYPOTHESIS_PROFILE", "").endswith("bench")
    else "ordertui-ci"
)
FUZZ = settings.get_profile(PROFILE)
# Properties that run a whole engine per example: fewer in CI, still >= 10,000 on the bench.
FUZZ_HEAVY = settings(FUZZ, max_examples=10_000 if PROFILE == "ordertui-bench" else 100)
