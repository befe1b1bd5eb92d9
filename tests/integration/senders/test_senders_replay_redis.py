"""The Redis replay cache: one winner per token, across clients, and keys that expire."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from sealpost.adapters.replay_redis import PREFIX, RedisReplayCache

URL = os.environ.get("SEALPOST_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def client() -> redis.Redis:
    conn = redis.Redis.from_url(URL)
    try:
        conn.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis unreachable at {URL}")
    return conn


def test_redis_replay_claims_once_across_clients(client: redis.Redis) -> None:
    token = os.urandom(32)
    expires = datetime.now(UTC) + timedelta(minutes=3)
    caches = [RedisReplayCache.from_url(URL) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda c: c.claim(token, expires), caches))
    assert results.count(True) == 1
    ttl = client.pttl(PREFIX + token.hex())
    assert 0 < ttl <= 180_000
    client.delete(PREFIX + token.hex())


def test_redis_replay_keys_expire(client: redis.Redis) -> None:
    cache = RedisReplayCache(client)
    token = os.urandom(32)
    assert cache.claim(token, datetime.now(UTC) + timedelta(milliseconds=1000))
    assert not cache.claim(token, datetime.now(UTC) + timedelta(milliseconds=1000))
    time.sleep(1.2)
    assert cache.claim(token, datetime.now(UTC) + timedelta(seconds=1))
    assert cache.purge(datetime.now(UTC)) == 0
    client.delete(PREFIX + token.hex())


def test_identify_with_the_redis_replay_cache(client: redis.Redis, tmp_path: object) -> None:
    from datetime import date

    from fastapi.testclient import TestClient
    from senders_support import NOW, sender_and_courier

    from sealpost.adapters.db.migrate import upgrade
    from sealpost.api.app import create_app
    from sealpost.bootstrap import build_container
    from sealpost.config import Settings
    from sealpost.ports.clock import FixedClock

    data = Path(str(tmp_path)) / "data"
    settings = Settings(env="test", data_dir=data, redis_url=URL, _env_file=None)
    upgrade(settings.effective_database_url)
    container = build_container(settings, clock=FixedClock(NOW), configure_logs=False)
    assert isinstance(container.sender_replay, RedisReplayCache)
    try:
        with TestClient(create_app(container=container)) as api:
            device, token = sender_and_courier(api, container, born=date(1990, 1, 1), courier_id="c1")
            code = device.identity_qr(NOW)
            headers = {"Authorization": f"Bearer {token}"}
            assert api.post("/v1/pickups/identify", json={"qr": code}, headers=headers).status_code == 200
            again = api.post("/v1/pickups/identify", json={"qr": code}, headers=headers)
            assert again.json()["code"] == "replayed"
    finally:
        container.close()
