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
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

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
    sid: str = ""  # random per sign-in: sign-out revokes it on the server (HotlineInput.revoked)


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
        payload = _b64(json.dumps({"u": user.name, "r": user.role, "e": expires, "s": secrets.token_urlsafe(16)},
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
            session = StaffSession(str(data["u"]), str(data["r"]), int(data["e"]), str(data["s"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return session if session.expires > (now or time.time()) else None


class SignInThrottle:
    """Slows password guessing per account with an exponential backoff, and never locks anyone out.

    After `free` failures for a name, the next attempt for it must wait `base_s` seconds, doubling
    with each further failure up to `max_delay_s`; a success or `forget_after_s` without failures
    clears the count. A stranger hammering a staff name can therefore cost its owner at most
    `max_delay_s` of waiting, never a lock-out; and nothing is counted per client address, so the
    agents of a call centre behind one address are never throttled for each other's typos. Kept in
    memory (bounded): a restart only gives a guesser a fresh count, not a way in.
    """

    def __init__(self, free: int = 3, base_s: float = 1.0, max_delay_s: float = 30.0,
                 forget_after_s: float = 900.0, capacity: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base_s, self.max_delay_s = free, base_s, max_delay_s
        self.forget_after_s = forget_after_s
        self.capacity = capacity
        self.clock = clock
        self._failures: "OrderedDict[str, Tuple[int, float]]" = OrderedDict()  # name → (count, last at)

    def delay_after(self, failures: int) -> float:
        """Seconds an account waits after `failures` consecutive failures."""
        if failures < self.free:
            return 0.0
        return min(self.max_delay_s, self.base_s * 2 ** (failures - self.free))

    def _count(self, name: str) -> Tuple[int, float]:
        key = name.lower()
        count, last = self._failures.get(key, (0, 0.0))
        if count and self.clock() - last > self.forget_after_s:
            del self._failures[key]
            return 0, 0.0
        return count, last

    def retry_after(self, name: str) -> int:
        """Whole seconds until an attempt for this name is allowed; 0 when now."""
        count, last = self._count(name)
        wait = last + self.delay_after(count) - self.clock() if count else 0.0
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, name: str) -> None:
        key = name.lower()
        count, _ = self._count(name)
        self._failures[key] = (count + 1, self.clock())
        self._failures.move_to_end(key)
        while len(self._failures) > self.capacity:
            self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name.lower(), None)
