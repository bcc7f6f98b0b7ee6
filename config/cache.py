"""The shared cache's backend: Django's Redis cache, with one client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every command, and each
one fills its table of some 170 response callbacks: about 50 µs a command on this machine,
against about 100 µs for the command itself over the loopback. A page reads the cache three to
six times. A `redis.Redis` is safe to share between threads (each command takes a connection
from the pool), and a pool checks its process id, so a forked worker opens its own connections.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
