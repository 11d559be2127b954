"""Hypothesis profiles for the strategies, chosen with ``BULKPDF_HYPOTHESIS_PROFILE``.

``ci``
    Derandomized (the same examples on every run, so a red build reproduces), 50 examples per
    property, no example database, no deadline (examples with 50,000 IDs and a loaded CI machine
    would otherwise fail on timing), and the ``too_slow`` health check off for the same reason.
``dev``
    Random, 200 examples per property, the local example database (failures are replayed
    first), no deadline, and the falsifying example's blob printed for ``@reproduce_failure``.

Without the variable, ``ci`` is used, so a plain ``pytest`` is fast and repeatable; set
``BULKPDF_HYPOTHESIS_PROFILE=dev`` to explore. Any profile registered with Hypothesis can be
named, e.g. one of your own.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

PROFILE_ENV = "BULKPDF_HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"


def register_profiles() -> None:
    """Register ``ci`` and ``dev`` with Hypothesis (idempotent)."""
    settings.register_profile(
        "ci",
        derandomize=True,
        database=None,
        max_examples=50,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "dev",
        max_examples=200,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )


def load_profile(name: str | None = None) -> str:
    """Load ``name``, else ``$BULKPDF_HYPOTHESIS_PROFILE``, else ``ci``; returns the name loaded."""
    register_profiles()
    chosen = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    try:
        settings.get_profile(chosen)  # check first: a failed load_profile leaves Hypothesis half-switched
    except InvalidArgument:
        raise ValueError(
            f"unknown Hypothesis profile {chosen!r} (from {PROFILE_ENV} or the argument); "
            "use ci, dev, or a profile you registered with hypothesis.settings.register_profile"
        ) from None
    settings.load_profile(chosen)
    return chosen
