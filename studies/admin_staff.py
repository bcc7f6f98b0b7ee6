"""The user admin with one more page: "Add a curator or reviewer", one form, one save.

Django's own add-user page makes an account that is not staff and in no group; making a
curator then takes two more screens. This page asks for the name, e-mail, role and password
and calls studies.staff.staff_user_create, which sets is_staff and the group together. The
plain add page says so (templates/admin/auth/user/add_form.html).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from studies.staff import ROLES, StaffUserError, staff_user_create

User = get_user_model()


class StaffUserForm(BaseUserCreationForm):
    email = forms.EmailField(label="e-mail", required=False)
    role = forms.ChoiceField(
        label="role",
        choices=[
            ("curator", "Curator: enters and submits"),
            ("reviewer", "Reviewer: also publishes"),
        ],
        widget=forms.RadioSelect,
        help_text="A reviewer can publish others' changes, never their own.",
    )

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class StaffUserAdmin(UserAdmin):
    add_form_template = "admin/auth/user/add_form.html"

    def get_urls(self):
        urls = [
            path(
                "add-staff/",
                self.admin_site.admin_view(self.add_staff_view),
                name="auth_user_add_staff",
            )
        ]
        return urls + super().get_urls()

    def add_staff_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = StaffUserForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                user = staff_user_create(
                    username=data["username"],
                    email=data["email"],
                    password=data["password1"],
                    role=data["role"],
                )
            except StaffUserError as error:
                form.add_error(None, str(error))
            else:
                self.log_addition(request, user, [{"added": {}}])
                self.message_user(
                    request,
                    f"{ROLES[data['role']]} “{user.username}” added: they can sign in now.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:auth_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Add a curator or reviewer",
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/auth/user/add_staff.html", context)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
