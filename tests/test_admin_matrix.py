"""Every admin URL and action × seven roles, generated from the admin site's registry.

For each registered model: the changelist, the add page and an add, the change page and a save,
a move to another parent, a delete and a bulk delete, the history page and a revert, each custom
action, and each inline's add, change and delete through the parent's form; each on a draft row
and on a published one. What a role may do follows from its permissions (manage.py setup_roles);
what nobody may do, the superuser included, is change what the public sees without review: a
published record and everything hanging off it is locked (studies.publishing).

A model or action the registry has and this test does not know fails the test, so nothing new
can be left out.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.forms import CheckboxInput, MultiWidget, SelectMultiple
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from evidence.models import (
    ClaimCategory,
    ClaimMention,
    ClaimOutcome,
    Comparison,
    EvidenceLink,
    OutcomeMeasure,
    PooledEstimate,
    PublicationStatus,
    SourceDocument,
    StudyResult,
)
from studies import publishing
from studies.models import Outcome, OutcomeArm, Study, StudyStatus
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    OutcomeArmFactory,
    OutcomeFactory,
    SourceDocumentFactory,
    StudyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "non-staff", "staff", "curator", "reviewer", "view-only", "superuser"]
SITE = admin.site
# Roots (published themselves), their parts, shared vocabulary, and the one unreviewed model.
PARENT_FIELD = {
    Outcome: "study",
    OutcomeArm: "outcome",
    StudyResult: "study",
    PooledEstimate: "review",
    ClaimMention: "claim",
    EvidenceLink: "claim",
    ClaimOutcome: "claim",
}
ROOTS = {Study, SourceDocument}
# A mention has its own review: a new (draft) one may join a published claim, or move to one,
# since it stays off every page until another reviewer publishes it.
DRAFTS_JOIN_LOCKED_PARENTS = {ClaimMention}
NOT_REVIEWED = {ClaimCategory}  # categories are not public content of their own
# Each custom action: the row it starts from ("free": a draft; "review"; "locked": published)
# and what shows it took effect.
ACTIONS = {
    "submit_for_review": "free",
    "publish": "review",
    "unpublish": "locked",
    "retract": "locked",
    "export_bibtex": "free",
    "export_ris": "free",
}
# Each workflow button on a record's page (studies.admin_workflow): where it starts from, and
# the list action whose permission it must follow.
BUTTONS = {
    "submit": ("free", "submit_for_review"),
    "publish": ("review", "publish"),
    "unpublish": ("locked", "unpublish"),
    "retract": ("locked", "retract"),
    # Corrections of a published record (studies.revisions): proposing follows change,
    # publishing or withdrawing someone else's follows publish.
    "correct": ("locked", "change"),
    "publish-revision": ("locked", "publish"),
    "withdraw-revision": ("locked", "publish"),
}
CORRECTED_FIELD = {"study": "summary", "claim": "plain_summary"}


def _mention_text() -> str:
    return SourceDocumentFactory._meta.declarations["text"]


class World:
    """Three sets of everything: A and B drafts, P published (and a vocabulary row unused)."""

    def __init__(self):
        self.rows: dict[str, dict] = {}
        category = ClaimCategoryFactory()
        document_p = SourceDocumentFactory(status=PublicationStatus.PUBLISHED)
        linked_study = StudyFactory(status=StudyStatus.PUBLISHED)
        quotes = {"A": "Microneedling induces collagen", "B": "improves blood flow", "P": "It also"}
        for name, status in (("A", "draft"), ("B", "draft"), ("P", "published")):
            study = StudyFactory(status=status)
            outcome = OutcomeFactory(study=study)
            comparison = Comparison.objects.create(
                slug=f"comparison-{name}", label=f"Comparison {name}", intervention_role="alone"
            )
            measure = OutcomeMeasure.objects.create(
                slug=f"measure-{name}", name=f"Measure {name}", kind="patient_important"
            )
            claim = ClaimFactory(status=status, category=category)
            quote = quotes[name]
            start = _mention_text().index(quote)
            self.rows[name] = {
                Study: study,
                Outcome: outcome,
                OutcomeArm: OutcomeArmFactory(outcome=outcome),
                StudyResult: StudyResult.objects.create(
                    study=study, comparison=comparison, outcome=measure, measure="MD", estimate=1
                ),
                PooledEstimate: PooledEstimate.objects.create(
                    review=study, comparison=comparison, outcome=measure, measure="MD", estimate=1
                ),
                "claim": claim,
                ClaimMention: ClaimMention.objects.create(
                    claim=claim,
                    document=document_p,
                    quote=quote,
                    start=start,
                    end=start + len(quote),
                    status=status,
                ),
                EvidenceLink: EvidenceLink.objects.create(
                    claim=claim,
                    study=linked_study if name == "A" else study,
                    direction="supports",
                ),
                ClaimOutcome: ClaimOutcome.objects.create(
                    claim=claim, comparison=comparison, outcome=measure, importance="critical"
                ),
                "comparison": comparison,
                "measure": measure,
            }
        claim_model = type(self.rows["A"]["claim"])
        for name in "ABP":
            self.rows[name][claim_model] = self.rows[name].pop("claim")
        self.rows["A"][SourceDocument] = SourceDocumentFactory(status="draft")
        self.rows["B"][SourceDocument] = SourceDocumentFactory(status="draft")
        self.rows["P"][SourceDocument] = document_p
        # Vocabulary: the free row is used by nothing (so it can be deleted), the locked one is
        # used by the published set.
        for model, key in ((Comparison, "comparison"), (OutcomeMeasure, "measure")):
            self.rows["P"][model] = self.rows["P"][key]
            kind = (
                {"intervention_role": "alone"}
                if model is Comparison
                else {"kind": "patient_important"}
            )
            label = "label" if model is Comparison else "name"
            self.rows["A"][model] = model.objects.create(slug=f"free-{key}", **{label: "F"}, **kind)
            self.rows["B"][model] = self.rows["B"][key]
        self.rows["A"][ClaimCategory] = ClaimCategoryFactory()  # used by nothing
        self.rows["B"][ClaimCategory] = category
        self.rows["P"][ClaimCategory] = None

    def refresh(self):
        for rows in self.rows.values():
            for row in rows.values():
                if row is not None:
                    row.refresh_from_db()

    def free(self, model):
        return self.rows["A"][model]

    def locked(self, model):
        return self.rows["P"][model]

    def other(self, model):
        return self.rows["B"][model]


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def users(roles):
    view = Group.objects.create(name="View only")
    view.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    made = {
        "anonymous": None,
        "non-staff": UserFactory(username="reader", is_staff=False),
        "staff": UserFactory(username="staff", is_staff=True),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    for role, group in (("curator", "Curator"), ("reviewer", "Reviewer"), ("view-only", view)):
        user = UserFactory(username=role, is_staff=True)
        user.groups.add(group if isinstance(group, Group) else Group.objects.get(name=group))
        made[role] = user
    return made


def may(user, model, action: str) -> bool:
    """What the role's permissions allow, before the publication lock."""
    if user is None or not user.is_active or not user.is_staff:
        return False
    meta = model._meta
    if action == "view":
        return user.has_perm(f"{meta.app_label}.view_{meta.model_name}") or may(
            user, model, "change"
        )
    return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


# Posting a form the way a browser would: every field with the value it shows. --------------


def _widget_data(name, widget, value) -> dict:
    widget = getattr(widget, "widget", widget)  # RelatedFieldWidgetWrapper
    if isinstance(widget, MultiWidget):
        values = value if isinstance(value, list | tuple) else widget.decompress(value)
        out = {}
        for suffix, sub, sub_value in zip(
            widget.widgets_names, widget.widgets, values, strict=False
        ):
            out.update(_widget_data(f"{name}{suffix}", sub, sub_value))
        return out
    if isinstance(widget, CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, SelectMultiple):
        return {name: [str(v) for v in value or []]}
    shown = widget.format_value(value)
    if isinstance(shown, list):  # a single select formats its value as a list of one
        shown = shown[0] if shown else ""
    return {name: "" if shown is None else str(shown)}


def _form_data(form) -> dict:
    data = {}
    for bound in form:
        value = bound.field.prepare_value(bound.value())
        data.update(_widget_data(bound.html_name, bound.field.widget, value))
    return data


def _request():
    request = RequestFactory().get("/")
    request.user = UserFactory(username="form-builder", is_staff=True, is_superuser=True)
    return request


def change_data(model, shape_row, row, inline_rows: bool = True) -> dict:
    """The change form of `row` as a browser posts it, with its inlines unchanged."""
    modeladmin = SITE._registry[model]
    request = _request()
    form = modeladmin.get_form(request, shape_row, change=True)(instance=row)
    data = _form_data(form)
    for formset_class, _inline in modeladmin.get_formsets_with_inlines(request, shape_row):
        prefix = formset_class.get_default_prefix()
        formset = formset_class(instance=row, prefix=prefix)
        count = len(formset.initial_forms) if inline_rows else 0
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for inline_form in formset.initial_forms[:count]:
            data.update(_form_data(inline_form))
    return data


def url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def snapshot(row) -> tuple:
    model = type(row)
    fresh = model.objects.filter(pk=row.pk).first()
    if fresh is None:
        return (None,)
    history = fresh.history.count() if hasattr(fresh, "history") else 0
    return (model_to_dict(fresh), history)


def logged(row, flag) -> bool:
    return LogEntry.objects.filter(object_id=str(row.pk), action_flag=flag).exists()


def unique_values(model, data: dict) -> dict:
    unique = [f.name for f in model._meta.fields if f.unique and not f.primary_key]
    for name in ("slug", "citation_key", *unique):
        if name in data:
            data[name] = f"{data[name]}-copy"[:100]
    if "doi" in data:
        data["doi"] = ""
    return data


# The cells ---------------------------------------------------------------------------------


def models_under_test():
    return [m for m in SITE._registry if m._meta.app_label in ("studies", "evidence")]


def cells():
    for model in models_under_test():
        modeladmin = SITE._registry[model]
        name = model._meta.label
        kinds = ["changelist", "add page", "add", "change page", "change", "delete", "bulk delete"]
        if hasattr(modeladmin, "history_form_view"):
            kinds += ["history", "revert page", "revert"]
        if model not in NOT_REVIEWED:
            kinds += ["change locked", "delete locked", "bulk delete locked"]
            if hasattr(modeladmin, "history_form_view"):
                kinds += ["revert locked"]
        if model in PARENT_FIELD:
            kinds += ["add to locked parent", "move to other parent", "move to locked parent"]
        kinds += [f"action {a}" for a in modeladmin.actions or ()]
        kinds += [f"button {s.name}" for s in getattr(modeladmin, "workflow_steps", ())]
        for inline in modeladmin.inlines:
            label = inline.model._meta.model_name
            kinds += [f"inline {label} {op}" for op in ("add", "change", "delete")]
            kinds += [f"inline {label} {op} locked" for op in ("add", "change", "delete")]
        for kind in kinds:
            yield pytest.param(model, kind, id=f"{name}:{kind}")


def test_the_matrix_covers_every_registered_model_and_action():
    covered = set(models_under_test())
    # Users and groups, and django-axes' sign-in logs, are accounts and security records, not
    # content that reaches the public; Django's own permissions govern them.
    assert covered == set(SITE._registry) - {
        m for m in SITE._registry if m._meta.app_label in ("auth", "axes")
    }
    for model in covered:
        assert (
            model in PARENT_FIELD
            or model in ROOTS
            or model in NOT_REVIEWED
            or (model._meta.model_name in ("claim", "comparison", "outcomemeasure"))
        ), f"{model._meta.label} is in the admin but the matrix does not know its place"
        for action in SITE._registry[model].actions or ():
            assert action in ACTIONS, f"{model._meta.label}: action {action} is not in the matrix"
        for step in getattr(SITE._registry[model], "workflow_steps", ()):
            assert step.name in BUTTONS, f"{model._meta.label}: button {step.name} is unknown"
    assert set(publishing.registered_models()) == covered - NOT_REVIEWED


def attempt(client, world, model, kind) -> tuple[bool, list]:
    """Try it; (whether it took effect, rows that must not have changed when refused)."""
    free, locked = world.free(model), world.locked(model)
    if kind in ("changelist", "add page", "history"):
        target = {
            "changelist": url(model, "changelist"),
            "add page": url(model, "add"),
            "history": url(model, "history", free.pk),
        }[kind]
        return client.get(target).status_code == 200, []
    if kind == "change page":
        ok = client.get(url(model, "change", free.pk)).status_code == 200
        return ok and (
            locked is None or client.get(url(model, "change", locked.pk)).status_code == 200
        ), []
    if kind == "add" or kind == "add to locked parent":
        data = unique_values(model, change_data(model, free, world.other(model), inline_rows=False))
        if kind == "add to locked parent":
            data[PARENT_FIELD[model]] = str(
                world.locked(type(getattr(free, PARENT_FIELD[model]))).pk
            )
            parent = world.locked(type(getattr(free, PARENT_FIELD[model])))
            before = model.objects.count()
            client.post(url(model, "add"), data)
            return model.objects.count() != before, [parent]
        if model in PARENT_FIELD:  # beside the free row's own parent's rows, not a duplicate
            data[PARENT_FIELD[model]] = str(getattr(free, f"{PARENT_FIELD[model]}_id"))
        before = model.objects.count()
        client.post(url(model, "add"), data)
        return model.objects.count() == before + 1 and LogEntry.objects.filter(
            action_flag=ADDITION
        ).exists(), []
    if kind in ("change", "change locked"):
        row = free if kind == "change" else locked
        client.post(url(model, "change", row.pk), change_data(model, free, row))
        return logged(row, CHANGE), [row]
    if kind.startswith("move to"):
        parent_model = type(getattr(free, PARENT_FIELD[model]))
        parent = (
            world.other(parent_model)
            if kind == "move to other parent"
            else world.locked(parent_model)
        )
        data = change_data(model, free, free)
        data[PARENT_FIELD[model]] = str(parent.pk)
        client.post(url(model, "change", free.pk), data)
        free_now = model.objects.get(pk=free.pk)
        return getattr(free_now, f"{PARENT_FIELD[model]}_id") == parent.pk, [free, parent]
    if kind in ("delete", "delete locked"):
        row = free if kind == "delete" else locked
        client.post(url(model, "delete", row.pk), {"post": "yes"})
        return not model.objects.filter(pk=row.pk).exists(), [row]
    if kind in ("bulk delete", "bulk delete locked"):
        row = free if kind == "bulk delete" else locked
        client.post(
            url(model, "changelist"),
            {"action": "delete_selected", ACTION_CHECKBOX_NAME: [row.pk], "post": "yes"},
        )
        return not model.objects.filter(pk=row.pk).exists(), [row]
    if kind.startswith("revert"):
        row = free if kind != "revert locked" else locked
        first = row.history.earliest()
        target = url(model, "simple_history", row.pk, first.history_id)
        if kind == "revert page":
            return client.get(target).status_code == 200, []
        client.post(target, change_data(model, free, first.instance))
        return logged(row, CHANGE), [row]
    if kind.startswith("action "):
        return _action(client, world, model, kind.removeprefix("action "))
    if kind.startswith("button "):
        return _button(client, world, model, kind.removeprefix("button "))
    if kind.startswith("inline "):
        return _inline(client, world, model, kind)
    raise AssertionError(kind)


def _correction(client, model, row, step):
    from studies.models import Revision
    from studies.revisions import pending_revision

    name = CORRECTED_FIELD[model._meta.model_name]
    if step == "correct":
        chosen = next(s for s in SITE._registry[model].workflow_steps if s.name == step)
        data = _form_data(chosen.form(row, None))
        data[name] = f"{data.get(name, '')} Corrected."
        client.post(url(model, "step", row.pk, step), data)
        return pending_revision(row) is not None, [row]
    Revision.objects.create(
        record=row,
        values={name: "Corrected."},
        proposed_by=UserFactory(username="proposer", is_staff=True),
    )
    client.post(url(model, "step", row.pk, step))
    if step == "withdraw-revision":
        return pending_revision(row) is None, []
    row.refresh_from_db()
    return getattr(row, name) == "Corrected.", []


def _button(client, world, model, step):
    start = BUTTONS[step][0]
    row = world.locked(model) if start == "locked" else world.free(model)
    if step in ("correct", "publish-revision", "withdraw-revision"):
        return _correction(client, model, row, step)
    if start == "review":
        row.status = "review"
        row.save()
    before = row.status
    extra = {"reason": "Retracted by the journal."} if step == "retract" else {}
    client.post(url(model, "step", row.pk, step), extra)
    row.refresh_from_db()
    return row.status != before, []


def _action(client, world, model, action):
    start = ACTIONS[action]
    row = world.locked(model) if start == "locked" else world.free(model)
    if start == "review":
        row.status = "review"
        row.save()
    extra = {"apply": "1", "reason": "Retracted by the journal."} if action == "retract" else {}
    before = row.status
    response = client.post(
        url(model, "changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [row.pk], "index": 0, **extra},
    )
    if action.startswith("export"):
        return response.status_code == 200 and "attachment" in response.get(
            "Content-Disposition", ""
        ), []
    row.refresh_from_db()
    return row.status != before, []


def _inline(client, world, model, kind):
    _, label, op, *lock = kind.split()
    modeladmin = SITE._registry[model]
    inline = next(i for i in modeladmin.inlines if i.model._meta.model_name == label)
    child_model = inline.model
    parent = world.locked(model) if lock else world.free(model)
    fk_name = next(f.name for f in child_model._meta.fields if f.related_model is model)
    if op != "add" and not lock and not child_model.objects.filter(**{fk_name: parent}).exists():
        parent = world.other(model)  # the free parent without such rows: the other draft
    formset_class = next(
        f
        for f, i in modeladmin.get_formsets_with_inlines(_request(), world.free(model))
        if isinstance(i, inline)
    )
    prefix = formset_class.get_default_prefix()
    fk = formset_class.fk.name
    data = change_data(model, world.free(model), parent)
    children = list(child_model.objects.filter(**{fk: parent}).order_by("pk"))
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    if op == "add":
        donor = world.other(child_model)
        shape = formset_class(instance=world.other(model), prefix=prefix)
        donor_form = next(f for f in shape.initial_forms if f.instance.pk == donor.pk)
        new = {
            k.replace(f"{prefix}-{shape.initial_forms.index(donor_form)}-", f"{prefix}-{total}-"): v
            for k, v in _form_data(donor_form).items()
        }
        new.pop(f"{prefix}-{total}-id", None)
        new[f"{prefix}-{total}-{fk}"] = str(parent.pk)
        data.update(new)
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
        before = child_model.objects.filter(**{fk: parent}).count()
        client.post(url(model, "change", parent.pk), data)
        return child_model.objects.filter(**{fk: parent}).count() == before + 1, [parent]
    row = children[0]
    index = next(i for i in range(total) if data.get(f"{prefix}-{i}-id") == str(row.pk))
    if op == "delete":
        data[f"{prefix}-{index}-DELETE"] = "on"
        client.post(url(model, "change", parent.pk), data)
        return not child_model.objects.filter(pk=row.pk).exists(), [row, parent]
    for name in ("finding", "review_note", "extraction_note", "note", "label", "unit"):
        key = f"{prefix}-{index}-{name}"
        if key in data:
            data[key] = f"{data[key]} (edited)"
            break
    else:
        key = f"{prefix}-{index}-order"
        data[key] = str(int(data[key] or 0) + 1)
    before = snapshot(row)
    client.post(url(model, "change", parent.pk), data)
    return snapshot(row) != before, [parent]


def expected(user, model, kind) -> bool:
    """Who may, by the permissions setup_roles grants; nobody where the lock holds."""
    if model in DRAFTS_JOIN_LOCKED_PARENTS and kind in (
        "add to locked parent",
        "move to locked parent",
    ):
        return may(user, model, "add" if kind.startswith("add") else "change")
    if "locked" in kind:
        return False
    if kind in ("changelist", "change page", "history", "revert page"):
        return may(user, model, "view")
    if kind in ("add page", "add"):
        return may(user, model, "add")
    if kind in ("change", "revert", "move to other parent"):
        return may(user, model, "change")
    if kind in ("delete", "bulk delete"):
        reviewed_root = model in ROOTS or model._meta.model_name == "claim"
        if kind == "bulk delete" and reviewed_root and not (user and user.is_superuser):
            return False  # only drafts may be deleted, one by one
        return may(user, model, "delete")
    if kind.startswith("button "):
        follows = BUTTONS[kind.removeprefix("button ")][1]
        if follows == "change":
            return may(user, model, "change")
        kind = "action " + follows
    if kind.startswith("action "):
        action = kind.removeprefix("action ")
        if action.startswith("export"):
            return may(user, model, "view")
        if action == "submit_for_review":
            return may(user, model, "change")
        meta = model._meta
        perm = "retract" if action == "retract" else "publish"
        return bool(
            user and user.is_staff and user.has_perm(f"{meta.app_label}.{perm}_{meta.model_name}")
        )
    if kind.startswith("inline "):
        _, label, op = kind.split()
        child = next(
            i.model for i in SITE._registry[model].inlines if i.model._meta.model_name == label
        )
        return may(user, model, "change") and may(user, child, op)
    raise AssertionError(kind)


@pytest.mark.parametrize(("model", "kind"), list(cells()))
def test_every_admin_url_and_action_allows_exactly_what_the_role_and_the_lock_allow(
    client, world, users, model, kind
):
    wrong = []
    for role in ROLES:  # each role on the same rows, rolled back after each
        user = users[role]
        with transaction.atomic():
            client.logout()
            if user is not None:
                client.force_login(user)
            locked = world.locked(model)
            before = snapshot(locked) if locked is not None else None
            took_effect, _ = attempt(client, world, model, kind)
            if took_effect is not expected(user, model, kind):
                wrong.append(f"{role}: {'did' if took_effect else 'could not'}")
            if "locked" in kind and locked is not None and snapshot(locked) != before:
                wrong.append(f"{role}: changed the published row")
            transaction.set_rollback(True)
        world.refresh()
    assert not wrong, f"{model._meta.label} / {kind}: " + "; ".join(wrong)
