"""generate_synthetic: a made-up evidence base that says so, anchored, reproducible, and never
mixed into a database that holds real records."""

import io

import pytest
from django.core.management import CommandError, call_command

from evidence.models import Claim, ClaimMention, EvidenceLink, LinkDirection, SourceDocument
from evidence.synthetic import Plan, generate
from studies.models import Study, StudyDesign, StudyStatus


def _generate(**options):
    out = io.StringIO()
    call_command(
        "generate_synthetic",
        claims=options.pop("claims", 120),
        studies=options.pop("studies", 200),
        links_per_claim=options.pop("links_per_claim", 3),
        no_progress=True,
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    return out.getvalue()


@pytest.mark.django_db
def test_it_writes_the_rows_it_was_asked_for():
    output = _generate(claims=50, studies=80, links_per_claim=4)
    assert Claim.objects.count() == 50
    assert Study.objects.count() == 80
    assert EvidenceLink.objects.count() == 200
    assert ClaimMention.objects.count() == 50
    assert SourceDocument.objects.count() == 3  # 20 claims a document
    assert "Wrote 80 studies" in output


@pytest.mark.django_db
def test_every_record_says_it_is_synthetic_and_no_study_has_an_identifier():
    _generate()
    assert not Study.objects.exclude(title__startswith="Synthetic study ").exists()
    assert not Claim.objects.exclude(statement__startswith="Synthetic claim ").exists()
    assert not SourceDocument.objects.exclude(title__startswith="Synthetic article ").exists()
    assert not Study.objects.exclude(doi="", pmid="", pmcid="").exists()


@pytest.mark.django_db
def test_every_mention_is_anchored_in_its_document():
    _generate()
    mentions = list(ClaimMention.objects.select_related("document"))
    assert mentions
    for mention in mentions:
        assert mention.is_anchored()
        text = mention.document.text
        assert text[: mention.start].endswith(mention.prefix)
        assert text[mention.end :].startswith(mention.suffix)
        mention.full_clean()


@pytest.mark.django_db
def test_the_base_has_every_design_every_link_direction_and_some_drafts():
    _generate(claims=400, studies=600)
    designs = set(Study.objects.values_list("design", flat=True))
    assert set(StudyDesign.values) <= designs
    assert set(LinkDirection.values) == set(
        EvidenceLink.objects.values_list("direction", flat=True)
    )
    assert Study.objects.filter(status=StudyStatus.DRAFT).exists()
    assert Claim.objects.exclude(status="published").exists()
    assert Claim.objects.published().exists()
    study = Study.objects.published().first()
    assert study.outcomes.get().arms.count() == 2
    assert study.results.count() == 1


def _snapshot():
    return (
        list(Study.objects.order_by("pk").values_list("title", "design", "status", "year")),
        list(Claim.objects.order_by("pk").values_list("statement", "certainty", "status")),
        list(EvidenceLink.objects.order_by("pk").values_list("claim__slug", "study__title")),
    )


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    generate(Plan(claims=40, studies=30, links_per_claim=2, seed=7))
    first = _snapshot()
    for model in (ClaimMention, EvidenceLink, Claim, SourceDocument):
        model.objects.all().delete()
    Study.objects.all().delete()
    generate(Plan(claims=40, studies=30, links_per_claim=2, seed=7))
    assert _snapshot()[0] == first[0]
    assert _snapshot()[1] == first[1]
    for model in (ClaimMention, EvidenceLink, Claim, SourceDocument):
        model.objects.all().delete()
    Study.objects.all().delete()
    generate(Plan(claims=40, studies=30, links_per_claim=2, seed=8))
    assert _snapshot()[1] != first[1]


@pytest.mark.django_db
def test_running_it_again_adds_more_without_clashing():
    _generate(claims=30, studies=20)
    _generate(claims=30, studies=20)
    assert Claim.objects.count() == 60
    assert Study.objects.count() == 40
    Claim.objects.create(
        statement="x", slug="after-synthetic", category_id=Claim.objects.first().category_id
    )


def test_it_refuses_a_database_with_real_records(seeded):
    before = Claim.objects.count()
    with pytest.raises(CommandError, match="real records"):
        _generate(claims=10, studies=10)
    assert Claim.objects.count() == before


def test_it_adds_beside_real_records_when_forced(seeded):
    before = Claim.objects.count()
    _generate(claims=10, studies=10, force=True)
    assert Claim.objects.count() == before + 10


@pytest.mark.django_db
def test_the_synthetic_pages_render():
    from django.test import Client

    _generate(claims=60, studies=40)
    client = Client()
    claim = Claim.objects.published().first()
    study = Study.objects.published().first()
    document = SourceDocument.objects.filter(status="published").first()
    for url in (
        "/claims/",
        claim.get_absolute_url(),
        "/studies/",
        study.get_absolute_url(),
        document.get_absolute_url(),
    ):
        assert client.get(url).status_code == 200, url


def _has_statistics(table: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db
def test_the_planner_has_its_statistics_before_the_base_is_committed():
    # What runs on the commit (the worker's warm, inline without a broker) plans its joins
    # with them: inside the test's transaction, generate() alone must have run ANALYZE.
    generate(Plan(claims=60, studies=40, links_per_claim=3, seed=3))
    for table in [
        "evidence_claim",
        "evidence_evidencelink",
        "studies_study",
        "evidence_claimfacet",
    ]:
        assert _has_statistics(table), table
