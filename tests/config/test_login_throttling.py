"""Login throttling on the admin (django-axes): guessing passwords locks the account."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-passphrase-42"


@pytest.fixture
def staff():
    user = UserFactory(username="curator1", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, password, username="curator1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="127.0.0.9",
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_signs_in_after_a_few_mistakes(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_too_many_wrong_passwords_lock_the_account_and_the_right_one_is_refused(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    text = response.content.decode()
    assert "Too many failed sign-ins" in text
    assert f"locked for {settings.AXES_COOLOFF_MINUTES} minutes" in text


def test_the_lock_holds_for_the_account_from_another_address(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    response = client.post(
        reverse("admin:login"),
        {"username": "curator1", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="127.0.0.77",
    )
    assert response.status_code == 429
    assert not signed_in(client)


def test_lifting_the_lock_lets_the_right_password_in(client, staff):
    from django.core.management import call_command

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    call_command("axes_reset", verbosity=0)
    assert sign_in(client, PASSWORD).status_code == 302
