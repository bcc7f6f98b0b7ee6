"""The settings fail closed: production needs to be told its secret, and says so."""

import json

from tests.config.production import documented_production_env, run_django

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'DEBUG': s.DEBUG, 'HSTS': s.SECURE_HSTS_SECONDS, "
    "'SUB': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'PRELOAD': s.SECURE_HSTS_PRELOAD, "
    "'STATIC': s.STORAGES['staticfiles']['BACKEND']}))"
)


def settings_with(env: dict[str, str]) -> dict:
    result = run_django(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_debug_or_a_secret_key_the_app_refuses_to_start_and_says_why():
    result = run_django(["check"], {})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_debug_is_off_unless_the_environment_turns_it_on():
    assert settings_with({"SECRET_KEY": "x" * 50})["DEBUG"] is False
    assert settings_with({"DEBUG": "1"})["DEBUG"] is True


def test_a_local_run_with_debug_on_starts_without_a_secret_key():
    result = run_django(["check"], {"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_with_debug_off_static_files_get_hashed_compressed_names():
    backend = settings_with({"SECRET_KEY": "x" * 50})["STATIC"]
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_hsts_subdomains_and_preload_are_off_by_default_and_each_can_be_turned_on():
    base = {"SECRET_KEY": "x" * 50}
    default = settings_with(base)
    assert (default["HSTS"], default["SUB"], default["PRELOAD"]) == (31536000, False, False)
    assert settings_with({**base, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1"})["SUB"] is True
    assert settings_with({**base, "SECURE_HSTS_PRELOAD": "1"})["PRELOAD"] is True
    assert settings_with({**base, "SECURE_HSTS_SECONDS": "600"})["HSTS"] == 600


def test_check_deploy_has_no_warning_with_the_documented_production_environment():
    env = documented_production_env()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"} <= set(env)
    env["SECRET_KEY"] = "a-test-key-only-" + "k" * 50  # the doc's is a placeholder
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_still_warns_when_production_leaves_https_off():
    env = {**documented_production_env(), "SECRET_KEY": "k" * 60, "SECURE_SSL_REDIRECT": "0"}
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr
