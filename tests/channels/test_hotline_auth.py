"""channels/hotline_auth.py: password hashes, the staff list from configuration, signed sessions."""
import base64
import hashlib

import pytest

from channels.hotline_auth import (SessionSigner, StaffUser, hash_password, parse_users,
                                   verify_password)

SECRET = "a-session-secret-of-enough-length"


def test_scrypt_hash_round_trip_and_salting():
    encoded = hash_password("mật khẩu đúng")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert ":" not in encoded and "," not in encoded  # fits HOTLINE_USERS
    assert verify_password("mật khẩu đúng", encoded)
    assert not verify_password("mật khẩu sai", encoded)
    assert hash_password("mật khẩu đúng") != encoded  # a fresh salt each time


def test_pbkdf2_hashes_verify_too():
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", b"secret-pw", salt, 200_000)
    b64 = lambda data: base64.urlsafe_b64encode(data).decode().rstrip("=")  # noqa: E731
    encoded = f"pbkdf2_sha256$200000${b64(salt)}${b64(digest)}"
    assert verify_password("secret-pw", encoded)
    assert not verify_password("other", encoded)


@pytest.mark.parametrize("encoded", ["", "plain-text", "scrypt$x$8$1$abc$def", "pbkdf2_sha256$10$abc$def",
                                     "md5$abc"])
def test_malformed_or_weak_hashes_never_verify(encoded):
    assert not verify_password("anything", encoded)


def test_parse_users():
    agent_hash, boss_hash = hash_password("a-password"), hash_password("b-password")
    users = parse_users(f"an.nguyen:agent:{agent_hash}, binh@hue:supervisor:{boss_hash}")
    assert users == {"an.nguyen": StaffUser("an.nguyen", "agent", agent_hash),
                     "binh@hue": StaffUser("binh@hue", "supervisor", boss_hash)}
    assert parse_users("") == {}


@pytest.mark.parametrize("spec,message", [
    ("an:admin:{h}", "role"),
    ("an:agent:plaintext", "hash"),
    ("an:agent", "name:role:hash"),
    ("an:agent:{h},an:supervisor:{h}", "twice"),
    ("an nguyen:agent:{h}", "user name"),
])
def test_parse_users_fails_loudly_on_bad_configuration(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_users(spec.format(h=hash_password("x-password")))


def test_sessions_are_signed_and_expire():
    signer = SessionSigner(SECRET, max_age_s=3600)
    user = StaffUser("an", "agent", "h")
    value = signer.sign(user, now=1000)
    session = signer.verify(value, now=1001)
    assert (session.name, session.role, session.expires) == ("an", "agent", 4600)
    assert len(session.sid) >= 16 and signer.verify(signer.sign(user, now=1000), now=1001).sid != session.sid
    assert signer.verify(value, now=4600) is None  # expired
    assert SessionSigner(SECRET + "x", 3600).verify(value, now=1001) is None  # another key


def test_a_forged_role_is_no_session():
    signer = SessionSigner(SECRET, max_age_s=3600)
    value = signer.sign(StaffUser("an", "agent", "h"), now=1000)
    payload, mac = value.split(".")
    forged = base64.urlsafe_b64encode(
        base64.urlsafe_b64decode(payload + "==").replace(b"agent", b"supervisor")).decode().rstrip("=")
    assert signer.verify(f"{forged}.{mac}", now=1001) is None
    for broken in (None, "", "no-dot", "a.b.c", f"{payload}.", f".{mac}"):
        assert signer.verify(broken, now=1001) is None


def test_short_secrets_are_refused():
    with pytest.raises(ValueError):
        SessionSigner("short", 60)


class FakeClock:
    """A clock the test moves by hand (the throttle's windows without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_backs_off_exponentially_per_name_without_locking():
    from channels.hotline_auth import SignInThrottle

    clock = FakeClock()
    throttle = SignInThrottle(free=3, base_s=1, max_delay_s=30, forget_after_s=900, clock=clock)
    waits = []
    for _ in range(10):
        assert throttle.retry_after("lan") == 0
        throttle.failed("lan")
        waits.append(throttle.retry_after("lan"))
        clock.now += waits[-1]  # the guesser waits exactly as long as told
    assert waits == [0, 0, 1, 2, 4, 8, 16, 30, 30, 30]  # slower and slower, never a lock
    assert throttle.retry_after("LAN") == 0 and throttle.retry_after("minh") == 0
    throttle.failed("lan")
    assert throttle.retry_after("Lan") == 30                # the name, any case
    assert throttle.retry_after("minh") == 0                # other accounts are not affected
    clock.now += 30
    throttle.succeeded("lan")
    throttle.failed("lan")
    assert throttle.retry_after("lan") == 0                 # a success starts the count again


def test_throttle_has_no_per_address_lock_and_forgets_old_failures():
    """Thirty typos from one call centre address do not stop a colleague signing in."""
    from channels.hotline_auth import SignInThrottle

    clock = FakeClock()
    throttle = SignInThrottle(clock=clock)
    for number in range(30):
        throttle.failed(f"agent{number}")
    assert throttle.retry_after("lan") == 0
    for _ in range(6):
        throttle.failed("binh")
    clock.now += 901
    assert throttle.retry_after("binh") == 0
    throttle.failed("binh")
    assert throttle.retry_after("binh") == 0                # counted from one again


def test_throttle_memory_is_bounded():
    from channels.hotline_auth import SignInThrottle

    throttle = SignInThrottle(capacity=100, clock=FakeClock())
    for number in range(1000):
        throttle.failed(f"random-name-{number}")
    assert len(throttle._failures) == 100
