"""Talking to a live server the way a careful client does: OAuth tokens fetched and refreshed,
429s waited out.

:class:`TokenSource` hands out the bearer token: a static one, or one fetched from
``POST /oauth/token`` with client credentials, fetched again shortly before it expires and after
the server refused it (a 401). :class:`RatePolicy` decides how long a 429 is waited out: its
``Retry-After`` (seconds or an HTTP date), else its ``RateLimit-Reset``, bounded; a 429 without
either has no answer (and is a contract finding for whoever keeps the log). The gate (both its
halves) and the pytest plugin's client share them; :class:`BearerAuth` is the httpx form.
Nothing here logs or records a secret: token requests go through a client of their own.
"""

from __future__ import annotations

import email.utils
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Mapping

import httpx

from .spec import TOKEN_PATH
from .validators import validate_token_response

REFRESH_MARGIN = 60.0
"""Seconds before its ``expires_in`` runs out that a token is replaced (a request sent with it
must still arrive in time); a short-lived token is replaced after half its life instead."""
MAX_RATE_WAIT = 120.0
"""The longest a single 429 is waited out; a longer hint is not waited for."""
MAX_RATE_RETRIES = 8
"""Retries of one request after 429s, before its last 429 is handed on."""


class CredentialsRefused(Exception):
    """The token endpoint gave no usable token (refused the credentials, or answered nonsense)."""


def token_url_for(base_url: str) -> str:
    """The token endpoint of a server (Zuora's: ``{base}/oauth/token``)."""
    return base_url.rstrip("/") + TOKEN_PATH


@dataclass
class TokenSource:
    """The bearer token of a run: ``token`` as given, or fetched with ``client_id`` and
    ``client_secret`` from ``token_url``. Thread-safe; ``fetched`` counts the tokens fetched and
    ``findings`` lists what was wrong with token responses that still carried a usable token."""

    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_url: str | None = None
    timeout: float = 30.0
    clock: Callable[[], float] = time.monotonic
    rate: RatePolicy | None = None
    fetched: int = 0
    findings: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list, repr=False)  # every token handed out, to mask them
    _expires: float = field(default=float("inf"), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.oauth:
            if not (self.client_secret and self.token_url):
                raise ValueError("client credentials need a client secret and a token URL")
            self.token = None
        elif not self.token:
            raise ValueError("give a bearer token or client credentials")
        else:
            self.issued.append(self.token)

    @property
    def oauth(self) -> bool:
        return self.client_id is not None

    def current(self) -> str:
        """A token that is not about to expire (fetching one if needed)."""
        with self._lock:
            if self.token is None or (self.oauth and self.clock() >= self._expires):
                self._fetch()
            return self.token

    def refresh(self, refused: str) -> str | None:
        """A new token after the server refused ``refused`` (None: a static token has no other).
        A token another thread already replaced is not fetched again."""
        if not self.oauth:
            return None
        with self._lock:
            if self.token == refused or self.token is None:
                self._fetch()
            return self.token

    def _fetch(self) -> None:
        form = {"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "client_credentials"}
        retries = Retries(None, self.rate, "POST", self.token_url)
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while True:
                response = client.post(self.token_url, data=form, headers={"Accept": "application/json"})
                if not retries.again(response.status_code, response.headers):
                    break
        body = _json(response)
        problems = [str(f) for f in validate_token_response(response.status_code, response.content)]
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token.strip():
            detail = "; ".join(problems[:3]) or response.text[:200]
            raise CredentialsRefused(f"{self.token_url} gave no token ({response.status_code}): {detail}")
        self.findings += [f"POST {self.token_url} -> 200: {p}" for p in problems]
        lifetime = body.get("expires_in")
        lifetime = float(lifetime) if isinstance(lifetime, (int, float)) and lifetime > 0 else 3600.0
        self.token, self.fetched = token.strip(), self.fetched + 1
        self.issued.append(self.token)
        self._expires = self.clock() + max(lifetime - REFRESH_MARGIN, lifetime / 2)


@dataclass(frozen=True)
class RateLimited:
    """One 429 met: the request, the hint it came with (None: none), and whether it was waited out."""

    method: str
    url: str
    delay: float | None
    waited: bool


@dataclass
class RatePolicy:
    """How 429s are waited out, and the log of every one met (shared by all threads of a run)."""

    max_wait: float = MAX_RATE_WAIT
    sleep: Callable[[float], None] = time.sleep
    met: list[RateLimited] = field(default_factory=list)
    waited: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def delay(self, status: int, headers: Mapping[str, str]) -> float | None:
        """Seconds to wait before retrying a 429 (None: not a 429, no hint, or too long a wait)."""
        if status != 429:
            return None
        hint = retry_hint(headers)
        return hint if hint is not None and hint <= self.max_wait else None

    def note(self, method: str, url: str, headers: Mapping[str, str], waited: bool) -> None:
        with self._lock:
            self.met.append(RateLimited(method, url, retry_hint(headers), waited))

    def wait(self, seconds: float) -> None:
        with self._lock:
            self.waited += seconds
        self.sleep(seconds)

    def without_hint(self) -> list[RateLimited]:
        return [m for m in self.met if m.delay is None]


def retry_hint(headers: Mapping[str, str]) -> float | None:
    """What a 429 says about when to retry: ``Retry-After`` (delay-seconds or an HTTP date), else
    ``RateLimit-Reset`` (seconds); None when it says neither in a form HTTP allows."""
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    if retry_after:
        try:
            moment = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return max(0.0, moment.timestamp() - time.time())
    reset = (headers.get("RateLimit-Reset") or "").strip()
    return float(reset) if reset.isdigit() else None


class Retries:
    """The retries of one request: after a 401, once, with a new token (when the source can get
    one); after a 429, when it says when, once that time has passed (at most
    :data:`MAX_RATE_RETRIES` times). The one policy behind every HTTP client of a run."""

    def __init__(self, tokens: TokenSource | None, rate: RatePolicy | None, method: str, url: str):
        self.tokens, self.rate, self.method, self.url = tokens, rate, method, url
        self.token = tokens.current() if tokens is not None else None
        self._refreshed = False
        self._waits = 0

    @property
    def authorization(self) -> str | None:
        return None if self.token is None else f"Bearer {self.token}"

    def again(self, status: int, headers: Mapping[str, str]) -> bool:
        """Whether to send the request again after this answer (having waited, or with a new token)."""
        if status == 401 and self.tokens is not None and not self._refreshed:
            self._refreshed = True
            new = self.tokens.refresh(self.token)
            if new is None or new == self.token:
                return False
            self.token = new
            return True
        if status == 429 and self.rate is not None:
            delay = self.rate.delay(429, headers) if self._waits < MAX_RATE_RETRIES else None
            self.rate.note(self.method, self.url, headers, waited=delay is not None)
            if delay is None:
                return False
            self._waits += 1
            self.rate.wait(delay)
            return True
        return False


class BearerAuth(httpx.Auth):
    """httpx auth from a :class:`TokenSource` (None: no token) and a :class:`RatePolicy` (None: a
    429 is handed on as it came), under the policy of :class:`Retries`."""

    def __init__(self, tokens: TokenSource | None, rate: RatePolicy | None = None):
        self.tokens = tokens
        self.rate = rate

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        retries = Retries(self.tokens, self.rate, request.method, str(request.url))
        while True:
            if retries.authorization is not None:
                request.headers["Authorization"] = retries.authorization
            response = yield request
            if not retries.again(response.status_code, response.headers):
                return


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
