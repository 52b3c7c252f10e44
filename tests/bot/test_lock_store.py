"""bot/lock_store.py against the real Redis (a unique key prefix per test): tickets are issued once each,
served one at a time in issue order across store instances (as across Rasa processes), expired tickets
give way, and Rasa loads the store from an endpoints entry."""
import asyncio
import os
import threading
import time
import uuid

import pytest


@pytest.fixture
def prefix(redis_url):
    import redis

    name = f"huetest{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}:*"))
    if keys:
        client.delete(*keys)


def store(redis_url, prefix, **kwargs):
    from bot.lock_store import OrderedRedisLockStore

    return OrderedRedisLockStore(url=redis_url, key_prefix=prefix, **kwargs)


def test_tickets_are_served_in_issue_order_and_the_last_release_clears_the_keys(redis_url, prefix):
    locks = store(redis_url, prefix)
    first, second = locks.issue_ticket("c1"), locks.issue_ticket("c1")
    assert second == first + 1
    assert locks.now_serving("c1", second) == first
    assert [t.number for t in locks.get_lock("c1").tickets] == [first, second]
    locks.cleanup("c1", first)
    assert locks.now_serving("c1", second) == second and locks.is_someone_waiting("c1")
    locks.cleanup("c1", second)
    assert locks.get_lock("c1") is None and not locks.is_someone_waiting("c1")
    # Only the counter is left, expiring a minute after the last ticket would have.
    [counter] = list(locks.red.scan_iter(match=f"{prefix}:*"))
    assert counter.decode() == f"{prefix}:lock:c1:next" and 60 < locks.red.ttl(counter) <= 120
    assert locks.issue_ticket("c1") == second + 1


def test_concurrent_issues_from_two_stores_never_share_a_ticket(redis_url, prefix):
    stores = [store(redis_url, prefix), store(redis_url, prefix)]
    barrier = threading.Barrier(40)
    tickets = []

    def issue(index):
        barrier.wait()
        tickets.append(stores[index % 2].issue_ticket("burst"))

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(1, 41))
    assert len(stores[0].get_lock("burst").tickets) == 40


def run_instance(redis_url, prefix, conversation, starts, log_key, count, stagger):
    """One 'Rasa instance': its own store and event loop, `count` messages taking the lock in turn."""
    import redis

    locks = store(redis_url, prefix, poll_interval=0.005)
    log = redis.Redis.from_url(redis_url)

    async def message(number):
        await asyncio.sleep(number * stagger)
        # What lock() does, with the ticket in view: arrival (issue), wait for its turn, release.
        ticket = locks.issue_ticket(conversation, 30)
        try:
            await locks._acquire_lock(conversation, ticket, locks.poll_interval)
            log.rpush(log_key, f"start:{ticket}")
            await asyncio.sleep(0.003)
            log.rpush(log_key, f"end:{ticket}")
        finally:
            locks.cleanup(conversation, ticket)

    async def main():
        starts.wait()
        await asyncio.gather(*(message(n) for n in count))

    asyncio.run(main())


def test_two_instances_process_one_conversation_one_message_at_a_time_in_arrival_order(redis_url, prefix):
    """Messages 0..39 arrive 4 ms apart, alternately at two instances; each holds the lock ~3 ms plus
    Redis round trips, so they queue. The shared log must be start 1, end 1, start 2, end 2, ..."""
    import redis

    log_key = f"{prefix}:log"
    starts = threading.Barrier(2)
    instances = [threading.Thread(target=run_instance, args=(redis_url, prefix, "ordered", starts, log_key,
                                                              range(i, 40, 2), 0.004)) for i in range(2)]
    for thread in instances:
        thread.start()
    for thread in instances:
        thread.join()
    log = [entry.decode() for entry in redis.Redis.from_url(redis_url).lrange(log_key, 0, -1)]
    pairs = [(log[i], log[i + 1]) for i in range(0, len(log), 2)]
    assert all(s.split(":")[1] == e.split(":")[1] and s.startswith("start") and e.startswith("end")
               for s, e in pairs), f"interleaved: {log}"
    # Served in arrival order: the ticket order (which message of the two threads arrived first is up
    # to the scheduler; the lock's promise is first come, first served).
    assert [int(s.split(":")[1]) for s, _ in pairs] == list(range(1, 41))


def test_expired_ticket_gives_way_and_its_late_waiter_is_refused(redis_url, prefix):
    from rasa.core.lock_store import LockError

    locks = store(redis_url, prefix, poll_interval=0.01)
    stale = locks.issue_ticket("slow", lock_lifetime=0.2)  # a holder that died without releasing

    async def next_message():
        started = time.monotonic()
        async with locks.lock("slow", lock_lifetime=5):
            return time.monotonic() - started

    waited = asyncio.run(next_message())
    assert 0.1 < waited < 3
    assert locks.get_lock("slow") is None  # the stale ticket was dropped, the served one released

    mine = locks.issue_ticket("gone", lock_lifetime=0.05)
    time.sleep(0.1)
    with pytest.raises(LockError):
        asyncio.run(locks._acquire_lock("gone", mine, 0.01))
    assert stale > 0


def test_rasa_loads_it_from_an_endpoints_entry(redis_url, prefix, tmp_path):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    from bot.lock_store import OrderedRedisLockStore

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("lock_store:\n  type: bot.lock_store.OrderedRedisLockStore\n"
                         f"  url: ${{HUE_TEST_REDIS_URL}}\n  key_prefix: {prefix}\n")
    os.environ["HUE_TEST_REDIS_URL"] = redis_url
    try:
        config = read_endpoint_config(str(endpoints), "lock_store")
    finally:
        del os.environ["HUE_TEST_REDIS_URL"]
    locks = LockStore.create(config)
    assert isinstance(locks, OrderedRedisLockStore) and locks.key_prefix == f"{prefix}:lock:"
    assert locks.issue_ticket("loaded") == 1


def test_a_bad_prefix_stops_start_up(redis_url):
    with pytest.raises(ValueError, match="alphanumeric"):
        store(redis_url, "not-alnum")
