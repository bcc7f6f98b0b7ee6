"""Study results and pooled estimates refuse numbers no effect can come from."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.models import Comparison, OutcomeMeasure, PooledEstimate, StudyResult
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    comparison = Comparison.objects.create(
        slug="mn-plus-minoxidil",
        label="microneedling + minoxidil vs minoxidil",
        intervention_role="add_on",
    )
    outcome = OutcomeMeasure.objects.create(
        slug="hair-count", name="hair count", unit="hairs/cm²", kind="patient_important"
    )
    return comparison, outcome


def result(question, **values):
    comparison, outcome = question
    defaults = {
        "study": StudyFactory(),
        "comparison": comparison,
        "outcome": outcome,
        "measure": "MD",
    }
    return StudyResult(**(defaults | values))


def test_a_result_with_an_estimate_inside_its_ci_is_accepted(question):
    result(question, estimate=2.0, ci_low=1.0, ci_high=3.0).full_clean()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"estimate": 5.0, "ci_low": 1.0, "ci_high": 3.0}, "estimate", "outside its own 95% CI"),
        ({"ci_low": 3.0, "ci_high": 1.0}, "ci_high", "below the lower limit"),
        ({"n1": 10, "mean1": 1.0, "sd1": 0.0}, "sd1", "greater than zero"),
        ({"sd2": -1.0}, "sd2", "greater than zero"),
        ({"se": 0.0}, "se", "greater than zero"),
        ({"events1": 12, "total1": 10}, "events1", "12 events cannot come from 10 people"),
        ({"measure": "HR"}, "measure", "HR"),
        ({"estimate": 1e309}, "estimate", "finite"),
        ({"measure": "RR", "estimate": -0.5}, "estimate", "greater than zero"),
    ],
)
def test_bad_numbers_are_refused_with_a_clear_message(question, values, field, words):
    with pytest.raises(ValidationError) as refused:
        result(question, **values).full_clean()
    assert words in " ".join(refused.value.message_dict[field])


@pytest.mark.parametrize(
    "values",
    [
        {"estimate": 5.0, "ci_low": 1.0, "ci_high": 3.0},
        {"sd1": 0.0},
        {"events2": 11, "total2": 10},
        {"measure": "HR"},
    ],
)
def test_the_database_refuses_them_too(question, values):
    row = result(question, **values)
    row.study.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_pooled_estimate_outside_its_ci_is_refused(question):
    comparison, outcome = question
    pooled = PooledEstimate(
        review=StudyFactory(design="systematic_review_meta_analysis"),
        comparison=comparison,
        outcome=outcome,
        measure="SMD",
        estimate=2.5,
        ci_low=0.73,
        ci_high=1.92,
    )
    with pytest.raises(ValidationError) as refused:
        pooled.full_clean()
    assert "outside its own 95% CI" in refused.value.message_dict["estimate"][0]


def test_a_minimal_important_difference_needs_its_source(question):
    _, outcome = question
    outcome.mid = 10.0
    with pytest.raises(ValidationError) as refused:
        outcome.full_clean()
    assert "mid_source" in refused.value.message_dict
