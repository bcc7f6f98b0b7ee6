"""Posting admin forms and actions the way a browser does, for the admin tests."""

import json

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from studies.forms import StudyForm

STUDY_FIELDS = [
    name for name in StudyForm.Meta.fields if name not in ("authors", "included_studies")
]
CLAIM_FIELDS = [
    "statement",
    "slug",
    "kind",
    "plain_summary",
    "publication_bias_suspected",
    "large_effect",
    "dose_response",
    "grading_note",
    "certainty_override",
    "direction_override",
    "override_justification",
]


def empty_inline(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, list):  # JSON names as JSON, lists of texts one a line
        return json.dumps(value) if any(isinstance(v, dict) for v in value) else "\n".join(value)
    return str(value)


def study_form_data(study, **changes) -> dict:
    data = {name: _value(getattr(study, name)) for name in STUDY_FIELDS}
    data["authors"] = "\n".join(study.authors)
    data.update(empty_inline("outcomes"))
    data.update(empty_inline("evidence_links"))
    data.update(empty_inline("results"))
    data.update(empty_inline("pooled_estimates"))
    data.update(changes)
    return {k: v for k, v in data.items() if v != "" or k in changes}


def claim_form_data(claim, **changes) -> dict:
    data = {name: _value(getattr(claim, name)) for name in CLAIM_FIELDS}
    data["category"] = str(claim.category_id)
    data.update(empty_inline("claim_outcomes"))
    data.update(empty_inline("mentions"))
    data.update(empty_inline("evidence_links"))
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def run_action(client, model: str, action: str, objects, **extra):
    app = {"study": "studies", "claim": "evidence"}[model]
    url = reverse(f"admin:{app}_{model}_changelist")
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], "index": 0}
    data.update(extra)
    return client.post(url, data)
