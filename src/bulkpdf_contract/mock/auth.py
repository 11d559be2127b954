"""Who a request is: the mock's bearer tokens and the tenants they stand for."""

from __future__ import annotations

from ..options import DEFAULT_TOKEN

__all__ = ["DEFAULT_TOKEN"]
