"""The domain checks: the bulk-PDF rules schemathesis cannot see, each a named row of the report.

Each module registers its checks with ``@domain_check`` (:mod:`..registry`); the modules are
imported here in report order, so the registry's order is: request handling, the output jobs'
ZIPs, documents in special states, then the rules of every response (which read what the earlier
checks saw). A new check goes into the module of its theme, or a new module imported here.
"""
# isort: skip_file  (the import order below is the report order)

from ..registry import REGISTRY, DomainCheck
from . import request_handling  # noqa: F401
from . import job_output  # noqa: F401
from . import document_states  # noqa: F401
from . import responses  # noqa: F401

DOMAIN_CHECKS: tuple[DomainCheck, ...] = tuple(REGISTRY.checks)

__all__ = ["DOMAIN_CHECKS", "DomainCheck"]
