"""Staff sign-in for the hotline console, free of any web framework: password hashes (scrypt from
hashlib), the staff list from configuration, and signed session cookies (HMAC-SHA256).

Configuration (`HOTLINE_USERS`): comma-separated `name:role:hash`, role `agent` or `supervisor`, hash
from `python -m channels.hotline hash-password`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Optional

ROLES = ("agent", "supervisor")
# scrypt at n=2**14, r=8 takes ~50 ms and 16 MiB per check: slow for guessing, fine for a sign-in.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
PBKDF2_MIN_ITERATIONS = 100_000
_NAME_RE = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """`scrypt$n$r$p$salt$hash` (urlsafe base64, no padding: no `:` or `,`, so it fits HOTLINE_USERS)."""
    if not password:
        raise ValueError("empty password")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_hash_format(encoded: str) -> None:
    """Raises ValueError unless `encoded` is a hash this module can verify."""
    parts = encoded.split("$")
    if parts[0] == "scrypt" and len(parts) == 6 and all(p.isdigit() for p in parts[1:4]):
        return
    if parts[0] == "pbkdf2_sha256" and len(parts) == 4 and parts[1].isdigit() \
            and int(parts[1]) >= PBKDF2_MIN_ITERATIONS:
        return
    raise ValueError("not a scrypt$… or pbkdf2_sha256$… hash")


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of `password` against `scrypt$…` or `pbkdf2_sha256$iterations$salt$hash`."""
    try:
        check_hash_format(encoded)
        parts = encoded.split("$")
        if parts[0] == "scrypt":
            n, r, p = (int(x) for x in parts[1:4])
            salt, expected = _unb64(parts[4]), _unb64(parts[5])
            digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                                    maxmem=256 * 1024 * 1024)
        else:
            salt, expected = _unb64(parts[2]), _unb64(parts[3])
            digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(parts[1]), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


@dataclass(frozen=True)
class StaffUser:
    name: str
    role: str
    password_hash: str


def parse_users(spec: str) -> Dict[str, StaffUser]:
    """`HOTLINE_USERS` → name → user. Fails loudly on a malformed entry (start-up configuration)."""
    users: Dict[str, StaffUser] = {}
    for position, item in enumerate(filter(None, (part.strip() for part in spec.split(","))), 1):
        fields = item.split(":", 2)
        if len(fields) != 3:
            raise ValueError(f"HOTLINE_USERS entry {position}: expected name:role:hash")
        name, role, password_hash = fields
        if not _NAME_RE.match(name):
            raise ValueError(f"HOTLINE_USERS entry {position}: bad user name")
        if role not in ROLES:
            raise ValueError(f"HOTLINE_USERS entry {position} ({name}): role must be one of {ROLES}")
        try:
            check_hash_format(password_hash)
        except ValueError as exc:
            raise ValueError(f"HOTLINE_USERS entry {position} ({name}): {exc}") from exc
        if name in users:
            raise ValueError(f"HOTLINE_USERS: {name} appears twice")
        users[name] = StaffUser(name, role, password_hash)
    return users


@dataclass(frozen=True)
class StaffSession:
    name: str
    role: str
    expires: int


class SessionSigner:
    """Session cookie values `payload.mac`: the payload (user, role, expiry) is readable, not forgeable."""

    def __init__(self, secret: str, max_age_s: int) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must have at least 16 characters")
        self._key = hashlib.sha256(b"hue-hotline-session:" + secret.encode()).digest()
        self.max_age_s = max_age_s

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def sign(self, user: StaffUser, now: Optional[float] = None) -> str:
        expires = int((now or time.time()) + self.max_age_s)
        payload = _b64(json.dumps({"u": user.name, "r": user.role, "e": expires},
                                  separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def verify(self, value: Optional[str], now: Optional[float] = None) -> Optional[StaffSession]:
        """The session in a cookie value, or None when it is missing, forged, malformed or expired."""
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = StaffSession(str(data["u"]), str(data["r"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > (now or time.time()) else None


class SignInThrottle:
    """Refuses sign-in attempts after too many recent failures, per user name and per client address.

    A name is locked after `per_name` failures within `window_s` (guessing one staff member's
    password); an address after `per_address` (trying many names; higher, because a call centre's
    agents may share one address). A success clears the name's failures. Kept in memory: a restart
    forgets them, which only gives a guesser a fresh window, not a way in.
    """

    def __init__(self, per_name: int = 5, per_address: int = 30, window_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"name": per_name, "address": per_address}
        self.window_s = window_s
        self.clock = clock
        self._failures: Dict[tuple, Deque[float]] = {}

    def _recent(self, key: tuple) -> Deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        cutoff = self.clock() - self.window_s
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until an attempt for this name from this address is allowed again; 0 when now."""
        wait = 0.0
        for kind, value in (("name", name.lower()), ("address", address)):
            failures = self._recent((kind, value))
            if len(failures) >= self.limits[kind]:
                wait = max(wait, failures[len(failures) - self.limits[kind]] + self.window_s - self.clock())
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        for key in (("name", name.lower()), ("address", address)):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(("name", name.lower()), None)
