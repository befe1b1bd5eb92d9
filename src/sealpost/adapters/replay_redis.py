"""The replay cache of one-time tokens on Redis (``SEALPOST_REDIS_URL``), for many API nodes.

``SET key 1 NX PX <ttl>``: the first claim sets the key, every later one finds it; Redis drops
the key when the token could no longer be accepted anyway (the TTL is counted on the platform's
clock, so Redis and API nodes need not agree on the time). With Redis persistence (AOF) the cache
survives a restart; without it a restart forgets claims, so the SQL cache
(:class:`sealpost.adapters.db.senders_repo.SqlReplayCache`) stays the default.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import redis

from sealpost.ports.clock import Clock, SystemClock

PREFIX: Final = "sealpost:replay:"


class RedisReplayCache:
    """Implements :class:`sealpost.ports.senders.ReplayCache`."""

    def __init__(self, client: redis.Redis, clock: Clock | None = None) -> None:
        self._redis = client
        self._clock = clock or SystemClock()

    @classmethod
    def from_url(cls, url: str, clock: Clock | None = None) -> RedisReplayCache:
        return cls(redis.Redis.from_url(url), clock)

    def claim(self, token_hash: bytes, expires_at: datetime) -> bool:
        ttl_ms = max(1000, int((expires_at - self._clock.now()).total_seconds() * 1000))
        return bool(self._redis.set(PREFIX + token_hash.hex(), b"1", nx=True, px=ttl_ms))

    def purge(self, now: datetime) -> int:
        return 0  # Redis expires the keys itself
