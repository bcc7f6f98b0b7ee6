"""Fuzzing from the schema: schemathesis generates requests for every operation of the OpenAPI
schema and sends them to the Django app through WSGI (in the test's database, on the seed).
No answer may be a server error, and every answer must match the schema it is documented with.

A bounded run here (a few examples per operation, derandomised so CI is repeatable); docs/api.md
gives the longer one. The schema is loaded inside the test rather than through
schemathesis.pytest.from_fixture, whose lazy loader does not run under pytest 9.
"""

import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# The longer run (docs/api.md): SCHEMATHESIS_MAX_EXAMPLES=300 pytest tests/api/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]


@contextmanager
def connection_kept():
    """The WSGI handler closes the database connection after each request; inside a test that
    would close the test's own transaction (PostgreSQL). Django's test client keeps it the same
    way: by not listening for the request signals meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(*, max_examples: int) -> list[str]:
    """Run every operation of the live schema; the labels of the operations run."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()
        labels.append(operation.label)
    return labels


@pytest.mark.django_db
def test_no_generated_request_gets_a_server_error_or_an_answer_outside_its_schema(seeded):
    with connection_kept():
        labels = fuzz(max_examples=MAX_EXAMPLES)
    assert "GET /api/claims/" in labels and "GET /api/studies/{id}/" in labels
