"""Curators enter study results in the admin; impossible numbers are refused with a clear
message and nothing is saved."""

import pytest
from django.urls import reverse

from evidence.models import Comparison, OutcomeMeasure, StudyResult
from tests.admin_helpers import study_form_data
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    comparison = Comparison.objects.create(
        slug="add-on", label="Microneedling + minoxidil vs minoxidil", intervention_role="add_on"
    )
    outcome = OutcomeMeasure.objects.create(
        slug="hair-count", name="Hair count", kind="patient_important"
    )
    return comparison, outcome


def result_inline(comparison, outcome, **numbers) -> dict:
    row = {
        "results-TOTAL_FORMS": "1",
        "results-INITIAL_FORMS": "0",
        "results-MIN_NUM_FORMS": "0",
        "results-MAX_NUM_FORMS": "1000",
        "results-0-comparison": str(comparison.pk),
        "results-0-outcome": str(outcome.pk),
        "results-0-measure": "MD",
        "results-0-risk_of_bias": "not_assessed",
    }
    row.update({f"results-0-{name}": str(value) for name, value in numbers.items()})
    return row


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ({"estimate": 5, "ci_low": 1, "ci_high": 3}, "outside its own 95% CI"),
        ({"n1": 10, "mean1": 2, "sd1": 0}, "greater than zero"),
        ({"events1": 12, "total1": 10}, "12 events cannot come from 10 people"),
    ],
)
def test_a_result_with_impossible_numbers_is_refused_and_nothing_is_saved(
    client, superuser, question, numbers, message
):
    study = StudyFactory(status="draft")  # a published study is locked for everyone
    client.force_login(superuser)
    data = study_form_data(study) | result_inline(*question, **numbers)
    response = client.post(reverse("admin:studies_study_change", args=[study.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StudyResult.objects.exists()


def test_a_sound_result_is_saved_from_the_study_page(client, superuser, question):
    study = StudyFactory(status="draft")  # a published study is locked for everyone
    client.force_login(superuser)
    data = study_form_data(study) | result_inline(*question, estimate=2, ci_low=1, ci_high=3)
    response = client.post(reverse("admin:studies_study_change", args=[study.pk]), data)
    assert response.status_code == 302
    assert StudyResult.objects.get().estimate == 2
