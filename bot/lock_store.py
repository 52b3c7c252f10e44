"""A Rasa lock store in Redis whose ticket issue and release are atomic (Lua scripts), so that one
conversation's messages are processed one at a time, in arrival order, whichever Rasa instance gets them.

Rasa 3.6's own `RedisLockStore` reads the whole lock, changes it in Python and writes it back: two
instances issuing a ticket at once both get the same number (and process together), and a release can
overwrite or delete a ticket issued meanwhile. Here every change is one script run by Redis:

    <prefix>:lock:<conversation>:next   counter of issued tickets (INCR)
    <prefix>:lock:<conversation>:queue  sorted set of waiting tickets (score = ticket number)
    <prefix>:lock:<conversation>:exp    hash ticket -> expiry (ms, Redis server time)

A ticket is served when it is the lowest in the queue; an expired ticket (its holder died, or worked past
the lock lifetime, Rasa's 60 s) is dropped, as Rasa's TicketLock does. Expiry uses the Redis server's
clock, so instances with skewed clocks agree. Loaded by Rasa from the endpoints file:

    lock_store:
      type: bot.lock_store.OrderedRedisLockStore
      url: ${REDIS_URL}          # redis://[:password@]host:port/db
      key_prefix: hue            # optional, alphanumeric
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "hue"
DEFAULT_POLL_INTERVAL_S = 0.02  # Rasa polls once a second; a queued message should not wait that long
NOT_QUEUED = -2  # the ticket asked about is no longer in the queue (expired)
EMPTY = -1

# Redis server time in milliseconds (scripts may call TIME since Redis 5: effects are replicated).
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "

# KEYS: next, queue, exp. ARGV: lifetime in ms. Returns the new ticket number.
ISSUE = _NOW + """
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], n, n)
redis.call('HSET', KEYS[3], n, now + tonumber(ARGV[1]))
-- Everything about the conversation vanishes a minute after its last ticket would have expired.
local ttl = tonumber(ARGV[1]) + 60000
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return n
"""

# KEYS: queue, exp. ARGV: ticket. Drops expired tickets; returns the ticket now served (lowest),
# NOT_QUEUED when ARGV's ticket is gone, EMPTY when no ticket waits.
SERVING = _NOW + """
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local e = redis.call('HGET', KEYS[2], m)
  if (not e) or tonumber(e) < now then
    redis.call('ZREM', KEYS[1], m)
    redis.call('HDEL', KEYS[2], m)
  end
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if #head == 0 then return -1 end
if ARGV[1] ~= '' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -2 end
return tonumber(head[1])
"""

# KEYS: next, queue, exp. ARGV: ticket. Removes it; when nobody waits any more the queue goes (the
# counter stays until its expiry, so ticket numbers only grow while a conversation is active).
RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3])
  return 0
end
return redis.call('ZCARD', KEYS[2])
"""


def _client(url: Optional[str], kwargs: dict) -> "redis.Redis":
    """A client from a redis:// URL, or from host/port/db/password like Rasa's Redis stores."""
    timeout = float(kwargs.get("socket_timeout", 10))
    if url and "://" in url:
        return redis.Redis.from_url(url, socket_timeout=timeout)
    return redis.Redis(host=url or kwargs.get("host", "localhost"), port=int(kwargs.get("port", 6379)),
                       db=int(kwargs.get("db", 0)), username=kwargs.get("username"),
                       password=kwargs.get("password"), ssl=bool(kwargs.get("use_ssl", False)),
                       socket_timeout=timeout)


class OrderedRedisLockStore(LockStore):
    """Ticket locks in Redis with atomic issue, serve and release (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[Text] = None,
                 key_prefix: Optional[Text] = None, poll_interval: Optional[float] = None,
                 client: Optional["redis.Redis"] = None, **kwargs: Any) -> None:
        options = dict(endpoint_config.kwargs) if endpoint_config else {}
        options.update(kwargs)
        url = url or (endpoint_config.url if endpoint_config else None)
        key_prefix = key_prefix or options.get("key_prefix") or DEFAULT_KEY_PREFIX
        if not str(key_prefix).isalnum():  # fail loudly at start-up on bad configuration
            raise ValueError(f"lock store key_prefix must be alphanumeric, got {key_prefix!r}")
        self.key_prefix = f"{key_prefix}:lock:"
        self.poll_interval = float(poll_interval or options.get("poll_interval") or DEFAULT_POLL_INTERVAL_S)
        self.red = client or _client(url, options)
        self._issue = self.red.register_script(ISSUE)
        self._serving = self.red.register_script(SERVING)
        self._release = self.red.register_script(RELEASE)
        self.red.ping()  # unreachable Redis stops Rasa at start-up, not at the first message
        super().__init__()

    def _keys(self, conversation_id: Text) -> list:
        base = self.key_prefix + conversation_id
        return [f"{base}:next", f"{base}:queue", f"{base}:exp"]

    # The atomic operations.
    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._issue(keys=self._keys(conversation_id), args=[int(lock_lifetime * 1000)]))
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def now_serving(self, conversation_id: Text, ticket: Optional[int] = None) -> int:
        """The ticket being served (expired ones dropped first); NOT_QUEUED if `ticket` expired."""
        return int(self._serving(keys=self._keys(conversation_id)[1:],
                                 args=["" if ticket is None else str(ticket)]))

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._release(keys=self._keys(conversation_id), args=[str(ticket_number)])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Release the ticket; the lock's keys go with the last one (in the same script)."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except redis.RedisError:  # the ticket then expires with its lifetime
            logger.exception("could not release a conversation lock ticket")

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock(), polling every `poll_interval` instead of `wait_time_in_seconds`."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, self.poll_interval)
        finally:
            self.cleanup(conversation_id, ticket)

    async def _acquire_lock(self, conversation_id: Text, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        while True:
            serving = self.now_serving(conversation_id, ticket)
            if serving == ticket:
                return self.get_lock(conversation_id) or TicketLock(conversation_id)
            if serving in (NOT_QUEUED, EMPTY):  # our ticket expired while we waited
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(wait_time_in_seconds)

    # Rasa's LockStore interface (read side, and whole-lock writes for callers that use them).
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        _, queue, exp = self._keys(conversation_id)
        with self.red.pipeline(transaction=True) as pipe:
            tickets, expiries = pipe.zrange(queue, 0, -1).hgetall(exp).execute()
        if not tickets:
            return None
        return TicketLock(conversation_id, deque(
            Ticket(int(t), float(expiries.get(t, 0)) / 1000.0) for t in tickets))

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the whole lock (one transaction); Rasa's own paths use the scripts above instead."""
        counter, queue, exp = self._keys(lock.conversation_id)
        with self.red.pipeline(transaction=True) as pipe:
            pipe.delete(queue, exp)
            for ticket in lock.tickets:
                pipe.zadd(queue, {str(ticket.number): ticket.number})
                pipe.hset(exp, str(ticket.number), int(ticket.expires * 1000))
            if lock.tickets:
                pipe.set(counter, max(t.number for t in lock.tickets))
            pipe.execute()

    def delete_lock(self, conversation_id: Text) -> None:
        self._log_deletion(conversation_id, bool(self.red.delete(*self._keys(conversation_id))))

    def update_lock(self, conversation_id: Text) -> None:
        self.now_serving(conversation_id)  # drops expired tickets

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        return bool(self.red.zcard(self._keys(conversation_id)[1]))
