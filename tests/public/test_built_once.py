"""A queryset built once per process (public.queries.built_once) is still read afresh by every
request: a record published after the first read is there in the next, and one request's
filters never reach another's."""

import pytest

from evidence.models import Claim, PublicationStatus
from public.queries import built_once
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

builds = []


@built_once
def published_claims():
    builds.append(1)
    return Claim.objects.published().for_list()


def test_each_call_is_a_fresh_unevaluated_queryset_built_only_once():
    first = ClaimFactory()
    assert [c.slug for c in published_claims()] == [first.slug]
    second = ClaimFactory()
    ClaimFactory(status=PublicationStatus.DRAFT)
    assert {c.slug for c in published_claims()} == {first.slug, second.slug}
    assert published_claims() is not published_claims()
    assert len(builds) == 1


def test_one_callers_filter_is_not_anothers():
    one, other = ClaimFactory(), ClaimFactory()
    assert [c.slug for c in published_claims().filter(pk=one.pk)] == [one.slug]
    assert {c.slug for c in published_claims()} == {one.slug, other.slug}
    assert published_claims().get(slug=other.slug).published_study_count == 0
