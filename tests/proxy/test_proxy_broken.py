"""The proof that the proxy works: each deliberately broken upstream (one rule broken) is reported
by the rule meant for it, and by nothing else; the client's own mistakes are reported as before."""

from __future__ import annotations

import pytest
from proxy_support import EXPECTED_REQUEST_RULES, by_label, converse, proxied
from proxy_variants import BROKEN


@pytest.mark.parametrize("broken", BROKEN, ids=[b.name for b in BROKEN])
def test_each_broken_upstream_is_caught_by_its_rule(broken):
    with proxied(broken.build()) as (_, proxy):
        talk = converse(proxy, documents=broken.documents)
        violations = proxy.violations()
    caught = {rule for _, rule in by_label(talk, violations, "response")}
    assert caught == broken.caught_by, [str(v) for v in violations if v.direction == "response"]
    assert by_label(talk, violations, "request") == EXPECTED_REQUEST_RULES
