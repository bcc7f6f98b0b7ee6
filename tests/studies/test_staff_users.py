"""A curator or reviewer in one step: manage.py create_staff_user and the admin's one form."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long test passphrase 4 staff"  # noqa: S105 (test data)


def test_the_command_makes_a_staff_curator_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("STAFF_USER_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("create_staff_user", "ada", "--role", "curator", "--email", "a@x.org", stdout=out)
    user = User.objects.get(username="ada")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Curator"]
    assert user.check_password(PASSWORD) and user.email == "a@x.org"
    assert user.has_perm("studies.change_study") and not user.has_perm("studies.publish_study")
    assert "Created curator “ada”" in out.getvalue()


def test_the_command_asks_for_the_password_twice_when_the_environment_has_none(monkeypatch):
    monkeypatch.delenv("STAFF_USER_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_staff_user", "ben", "--role", "reviewer", stdout=io.StringIO())
    assert User.objects.get(username="ben").has_perm("studies.publish_study")


def test_the_command_refuses_without_a_password_when_it_may_not_ask(monkeypatch):
    monkeypatch.delenv("STAFF_USER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="STAFF_USER_PASSWORD"):
        call_command("create_staff_user", "cy", "--role", "curator", "--no-input")
    assert not User.objects.exists()


def test_the_command_refuses_a_taken_name_and_an_unknown_role(monkeypatch):
    monkeypatch.setenv("STAFF_USER_PASSWORD", PASSWORD)
    call_command("create_staff_user", "ada", "--role", "curator", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already a user"):
        call_command("create_staff_user", "ADA", "--role", "reviewer")
    with pytest.raises(CommandError):
        call_command("create_staff_user", "dee", "--role", "admin")


ADD_STAFF = "/admin/auth/user/add-staff/"


def test_the_admin_makes_a_reviewer_in_one_save(client, superuser):
    client.force_login(superuser)
    response = client.post(
        ADD_STAFF,
        {
            "username": "eve",
            "email": "eve@example.org",
            "role": "reviewer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )
    user = User.objects.get(username="eve")
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["Reviewer"]
    assert "Reviewer “eve” added" in response.content.decode()


def test_the_admin_form_shows_its_errors_and_makes_nobody(client, superuser):
    client.force_login(superuser)
    response = client.post(
        ADD_STAFF, {"username": "eve", "role": "curator", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not User.objects.filter(username="eve").exists()


def test_a_curator_cannot_make_staff_users(client, curator):
    client.force_login(curator)
    assert client.get(ADD_STAFF).status_code == 403


def test_the_plain_add_user_page_and_the_index_point_to_the_one_screen_form(client, superuser):
    client.force_login(superuser)
    assert ADD_STAFF in client.get(reverse("admin:auth_user_add")).content.decode()
    assert ADD_STAFF in client.get(reverse("admin:index")).content.decode()
