"""The shared cache keeps one Redis client per connection pool (config/cache.py), and still
reads and writes as Django's own Redis cache does."""

import json
import os

import pytest

from config.cache import SharedClientRedisCache
from tests.config.production import run_django

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_cache():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"No Redis answers at {REDIS_URL}: the cache backend test needs one.")
    cache = SharedClientRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{os.getpid()}"})
    yield cache
    cache.clear()


def test_a_redis_cache_url_gets_the_backend_that_shares_its_client():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CACHES['default']['BACKEND']))"
    )
    for url, backend in [
        ("redis://127.0.0.1:6379/1", "config.cache.SharedClientRedisCache"),
        ("locmemcache://", "django.core.cache.backends.locmem.LocMemCache"),
    ]:
        result = run_django(["-c", code], {"DEBUG": "1", "CACHE_URL": url})
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == backend


def test_every_command_goes_through_one_client_and_the_values_round_trip(redis_cache):
    clients = redis_cache._cache
    assert clients.get_client() is clients.get_client(write=True) is clients.get_client("k")
    redis_cache.set("version", 7)
    redis_cache.set_many({"a": ["one", 1], "b": {"two": 2}})
    assert redis_cache.get("version") == 7
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": ["one", 1], "b": {"two": 2}}
    assert redis_cache.incr("version") == 8
    redis_cache.delete("a")
    assert redis_cache.get("a") is None
