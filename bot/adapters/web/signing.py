"""One server secret, two uses: signing the panel's session cookie (itsdangerous) and deriving
each session's CSRF token (HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Protocol

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

_SALT = "showbot.panel.session"
SECRET_META_KEY = "web_secret"


def new_secret() -> str:
    return secrets.token_urlsafe(48)


class _Meta(Protocol):
    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


async def web_secret(meta: _Meta) -> str:
    """The server's signing secret when SHOWBOT_WEB_SECRET is not set: made once, kept in the
    database, so sessions survive a restart."""
    secret = await meta.get_meta(SECRET_META_KEY)
    if not secret:
        secret = new_secret()
        await meta.set_meta(SECRET_META_KEY, secret)
    return secret


class Signer:
    """Signs session cookies and derives CSRF tokens from one server secret."""

    def __init__(self, secret: str, *, max_age: float) -> None:
        self._secret = secret
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._csrf_key = hashlib.sha256(("csrf:" + secret).encode()).digest()
        self.max_age = max_age

    def cookie_value(self, session_token: str) -> str:
        return self._serializer.dumps(session_token)

    def session_token(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=int(self.max_age))
        except BadSignature:  # also SignatureExpired
            return None
        return value if isinstance(value, str) else None

    def serializer(self, purpose: str) -> URLSafeSerializer:
        """Signed values for one purpose (its own salt: a value signed for one use is useless for another)."""
        return URLSafeSerializer(self._secret, salt=purpose)

    def csrf_token(self, session_token: str) -> str:
        return hmac.new(self._csrf_key, session_token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_token: str, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf_token(session_token), submitted or "")
