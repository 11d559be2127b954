"""``st.composite`` for functions that take a :class:`~bulkpdf_contract.spec.Contract`.

Hypothesis shows a strategy as its call with ``repr`` of every argument, and a Contract's
repr is the whole spec (tens of kB, with a warning each time). Binding the arguments in a
closure keeps the strategy's repr to its name.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from hypothesis import strategies as st


def composite(fn: Callable[..., Any]) -> Callable[..., st.SearchStrategy]:
    """``@composite def f(draw, contract, ...)`` -> ``f(contract, ...)`` is a strategy."""

    @functools.wraps(fn)
    def factory(*args: Any, **kwargs: Any) -> st.SearchStrategy:
        def draw_one(draw):
            return fn(draw, *args, **kwargs)

        draw_one.__name__ = draw_one.__qualname__ = fn.__name__
        return st.composite(draw_one)()

    return factory
