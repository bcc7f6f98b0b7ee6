"""/healthz checks the database; a database outage gives a 503 page, other errors a 500 page."""

import json
import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as when PostgreSQL is restarting: the connection cannot be made."""

    def refuse():
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')

    monkeypatch.setattr(connection, "ensure_connection", refuse)


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


def test_the_health_check_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_says_503_when_the_database_does_not(browser, database_down):
    response = browser.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"
    assert response["Retry-After"]


@pytest.mark.parametrize("url", ["/", "/claims/", "/studies/", "/evidence-map/"])
def test_a_database_outage_shows_the_503_page_not_a_bare_500(browser, database_down, url):
    response = browser.get(url)
    assert response.status_code == 503
    assert response["Retry-After"]
    text = response.content.decode()
    assert "temporarily unavailable" in text
    assert "css/site.css" in text  # a styled page, not Django's bare text


def test_an_outage_in_the_admin_shows_the_503_page_too(browser, database_down):
    response = browser.get("/admin/")
    assert response.status_code == 503


def test_any_other_error_shows_the_500_page_with_a_reference(browser, settings, caplog):
    settings.ROOT_URLCONF = "tests.config.broken_urls"
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/fails/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    assert response["X-Request-ID"] in text


def test_each_request_is_logged_once_with_its_id_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="config.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-id-12345")
    assert response["X-Request-ID"] == "proxy-id-12345"
    [record] = [r for r in caplog.records if r.name == "config.request"]
    assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
    assert record.request_id == "proxy-id-12345"
    assert record.duration_ms >= 0


def test_an_unlikely_request_id_from_outside_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\r\nX-Injected: 1")
    assert response["X-Request-ID"] != "bad id"
    assert len(response["X-Request-ID"]) == 32


def test_log_lines_are_json_objects_with_the_request_id():
    from config.logs import JsonFormatter, RequestIdFilter, request_id_var

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello %s", ("there",), None)
    record.status = 503
    token = request_id_var.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello there"
    assert (line["level"], line["request_id"], line["status"]) == ("WARNING", "abc123", 503)
