"""The settings the test suite runs with (pyproject's DJANGO_SETTINGS_MODULE): the normal
settings, read from the environment, with the local defaults made explicit as `make run` makes
them (DEBUG on unless the environment says otherwise, so a local-only key). pytest-django still
runs each test with DEBUG off; the tests of the production settings start their own process."""

import os

os.environ.setdefault("DEBUG", "1")
# The API's rate limit is off in the suite (crawls make hundreds of requests from one address);
# tests/api/test_api.py turns it on to test it.
os.environ.setdefault("API_THROTTLE_RATE", "")

from config.settings import *  # noqa: E402, F403

# Pages are built afresh in tests; the page-cache tests turn it on themselves.
PAGE_CACHE_SECONDS = 0
