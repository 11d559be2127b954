"""Zuora's OAuth client credentials for the example client: ``POST /oauth/token`` for a bearer
token, kept until shortly before it expires and renewed when the server refuses it. Like the
client, it depends on ``requests`` only."""

from __future__ import annotations

import email.utils
import threading
import time

import requests

TOKEN_PATH = "/oauth/token"
TOKEN_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TokenRefused(Exception):
    """The token endpoint refused the credentials (or kept failing)."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        super().__init__(f"POST {requests.utils.urlparse(response.request.url).path} answered {self.status}: "
                         f"{response.text[:200]}")


class OAuthToken:
    """Bearer tokens from Zuora's ``POST /oauth/token`` (client credentials), fetched when first
    needed, again shortly before ``expires_in`` runs out, and whenever the server says the
    token is no longer valid (:meth:`renew`)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, *,
                 session: requests.Session | None = None, margin: float = 60.0) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.session = session or requests.Session()
        self.margin = margin
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def current(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                self._fetch()
            return self._token

    def renew(self, rejected: str) -> str:
        """A new token after the server refused ``rejected`` (unless one was fetched meanwhile)."""
        with self._lock:
            if self._token == rejected:
                self._fetch()
            return self._token

    def _fetch(self) -> None:
        form = {"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "client_credentials"}
        for attempt in range(4):
            response = self.session.post(self.token_url, data=form, timeout=60)
            if response.status_code in TOKEN_RETRY_STATUSES and attempt < 3:
                wait = retry_after(response)
                time.sleep(2**attempt if wait is None else wait)
                continue
            break
        if response.status_code != 200:
            raise TokenRefused(response)
        body = response.json()
        self._token = body["access_token"]
        lifetime = float(body.get("expires_in") or 3600)
        self._expires = time.monotonic() + max(lifetime - self.margin, lifetime / 2)


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (a number or an HTTP date), None without one."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
