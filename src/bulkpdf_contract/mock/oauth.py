"""Zuora's OAuth client credentials in the mock: the configured clients, the tokens issued to
them, and reading a token form.

Issued tokens are self-verifying rather than stored: ``<jti>.<expiry ms>.<client tag>.<mac>``,
the MAC keyed by a secret of the data directory (``oauth.key``) over the token's fields and the
client's secret. So a restarted server keeps accepting the tokens it issued (a client may hold
one for an hour), a client whose secret changes loses its old tokens, and hostile token requests
cost no memory. Expiry is the mock's clock: a test advances it instead of waiting an hour.
Plain Python, no web framework (the route is :mod:`.routes.oauth`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from ..spec import Contract
from ..validators import validate_token_request
from .clock import Clock
from .errors import ApiError, ErrorCategory

KEY_FILE = "oauth.key"
KEY_BYTES = 32
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 16  # the form has three; a request with more is refused before decoding them


@dataclass(frozen=True)
class Verdict:
    """What a bearer token is: issued to ``client`` (None: not a token this server issued), and
    whether it has expired."""

    client: str | None
    expired: bool = False


NOT_ISSUED = Verdict(None)


def parse_clients(entries: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """``{client_id: secret}`` from a mapping or from ``"ID:SECRET"`` strings (``bulkpdf serve
    --client``); a ValueError names an entry no token request could ever match."""
    if isinstance(entries, str):
        entries = [entries]
    if isinstance(entries, Mapping):
        pairs = list(entries.items())
    else:
        pairs = []
        for entry in entries:
            client_id, colon, secret = str(entry).partition(":")
            if not colon:
                raise ValueError(f"an OAuth client is ID:SECRET, got {entry!r}")
            pairs.append((client_id, secret))
    clients: dict[str, str] = {}
    for client_id, secret in pairs:
        if not isinstance(client_id, str) or not isinstance(secret, str):
            raise ValueError(f"an OAuth client's ID and secret are strings, got {client_id!r}")
        if client_id in clients:
            raise ValueError(f"the OAuth client {client_id!r} is given twice")
        clients[client_id] = secret
    return clients


def check_clients(clients: Mapping[str, str], contract: Contract) -> None:
    """Refuse a configured client that no valid token form of ``contract`` can name."""
    for client_id, secret in clients.items():
        findings = validate_token_request({"client_id": client_id, "client_secret": secret,
                                           "grant_type": "client_credentials"}, contract=contract)
        if findings:
            raise ValueError(f"the OAuth client {client_id!r} cannot be used: {findings[0].message}")


def load_key(data_dir: Path) -> bytes:
    """The data directory's token key, created (readable by its owner only) on first use."""
    path = data_dir / KEY_FILE
    with contextlib.suppress(OSError):
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _tag(client_id: str) -> str:
    return hashlib.blake2b(client_id.encode("utf-8"), digest_size=6).hexdigest()


class TokenIssuer:
    """Checks client credentials, issues tokens valid ``ttl`` seconds of ``clock``, verifies them."""

    def __init__(self, clients: Mapping[str, str], ttl: float, clock: Clock, key: bytes):
        self.clients = dict(clients)
        self.ttl = ttl
        self.clock = clock
        self._key = key
        self._by_tag = {_tag(c): c for c in self.clients}

    def credentials_valid(self, client_id: str, secret: str) -> bool:
        known = self.clients.get(client_id)
        # Compared even for an unknown client, so the answer takes as long either way.
        return hmac.compare_digest((known or "\x00").encode(), secret.encode()) and known is not None

    def _mac(self, jti: str, expiry: str, client_id: str) -> str:
        message = "\x00".join((jti, expiry, client_id, self.clients[client_id])).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def issue(self, client_id: str, scope: str) -> dict[str, object]:
        """Zuora's token response for a client whose credentials were checked."""
        jti = secrets.token_hex(16)
        expiry = str(int((self.clock.now() + self.ttl) * 1000))
        token = ".".join((jti, expiry, _tag(client_id), self._mac(jti, expiry, client_id)))
        ttl = int(self.ttl) if float(self.ttl).is_integer() else self.ttl
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl, "scope": scope, "jti": jti}

    def verify(self, token: str) -> Verdict:
        parts = token.split(".")
        if len(parts) != 4 or not parts[1].isdigit():
            return NOT_ISSUED
        jti, expiry, tag, mac = parts
        client_id = self._by_tag.get(tag)
        if client_id is None or not hmac.compare_digest(mac.encode(), self._mac(jti, expiry, client_id).encode()):
            return NOT_ISSUED
        return Verdict(client_id, expired=self.clock.now() * 1000 >= int(expiry))


def _refused(message: str) -> ApiError:
    return ApiError(400, ErrorCategory.INVALID_VALUE, message)


def parse_form(raw: bytes, content_type: str | None, content_encoding: str | None) -> dict[str, str]:
    """The fields of a token form; anything that is not one form of distinct UTF-8 fields is 400
    (the size limit is the caller's, applied while reading)."""
    media_type, _, params = (content_type or "").partition(";")
    if media_type.strip().lower() != FORM_TYPE:
        raise _refused(f"the token request must be a form ({FORM_TYPE}) of client_id, client_secret "
                       f"and grant_type; got Content-Type {content_type or 'none'!r}")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise _refused(f"the token form must be UTF-8, got {content_type!r}")
    if (content_encoding or "identity").strip().lower() != "identity":
        raise _refused("send the token form uncompressed (no Content-Encoding)")
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=bool(raw),
                          encoding="utf-8", errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise _refused("the token form is not percent-encoded UTF-8 text") from None
    except ValueError as exc:
        raise _refused(f"the token form is malformed: {exc}") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _refused(f"the token form gives {name!r} more than once")
        form[name] = value
    return form
