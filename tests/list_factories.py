"""A small hand-counted evidence base for the public list tests (claim and study lists), and a
synthetic one (`generated_base`) for the tests that compare with plain counts.

Published claims (category, effective certainty, effective direction; published linked studies):
  c1  blood-flow   low        supported  rct (androgenetic alopecia, 2018, 40 people, low RoB)
  c2  blood-flow   moderate*  supported  case_series (alopecia areata, 2015, 12, high RoB)
                                          + a DRAFT rct, which must not count
  c3  hair-growth  low        mixed      rct (alopecia areata, 2021, 100, some concerns)
                                          + animal (murine model, 2019, none, not assessed)
                                          + a RETRACTED cohort, which must not count
  (* computed very_low, overridden to moderate)
Not public: d1 (draft, hair-growth, high, rct), r1 (in review, blood-flow, high).
"""

from dataclasses import dataclass

from django.db import connection

from evidence.models import Claim, PublicationStatus
from studies.models import Study, StudyStatus
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    StudyFactory,
)

# On PostgreSQL a page's grouped counts over every row run with their own planner settings,
# set and set back inside the request's transaction (public.facets.counting_every_row): two
# queries more than the counts themselves, wherever a page computes them.
COUNTING = 2 if connection.vendor == "postgresql" else 0


@dataclass
class SmallBase:
    claims: dict[str, Claim]
    studies: dict[str, Study]


def small_base() -> SmallBase:
    blood = ClaimCategoryFactory(slug="blood-flow", name="Blood flow", order=1)
    hair = ClaimCategoryFactory(slug="hair-growth", name="Hair growth", order=2)
    studies = {
        "rct1": StudyFactory(
            title="Microneedling with minoxidil in androgenetic alopecia",
            design="rct",
            condition="androgenetic alopecia",
            year=2018,
            participants=40,
            risk_of_bias="low",
            authors=["Rachel Dhurat"],
            journal="International Journal of Trichology",
        ),
        "series": StudyFactory(
            title="Needling for patchy hair loss",
            design="case_series",
            condition="alopecia areata",
            year=2015,
            participants=12,
            risk_of_bias="high",
        ),
        "rct3": StudyFactory(
            title="Randomised trial of scalp needling",
            design="rct",
            condition="alopecia areata",
            year=2021,
            participants=100,
            risk_of_bias="some_concerns",
        ),
        "animal": StudyFactory(
            title="Wnt signalling after needling in mice",
            design="animal",
            condition="murine model",
            year=2019,
            participants=None,
            risk_of_bias="not_assessed",
        ),
        "draft_rct": StudyFactory(
            title="Draft trial",
            design="rct",
            condition="draft condition",
            status=StudyStatus.DRAFT,
        ),
        "retracted": StudyFactory(
            title="Retracted cohort",
            design="cohort",
            condition="retracted condition",
            status=StudyStatus.RETRACTED,
            retraction_reason="Data fabricated.",
        ),
    }
    claims = {
        "c1": ClaimFactory(
            slug="c1",
            statement="Needling increases scalp blood flow.",
            category=blood,
            certainty="low",
            direction="supported",
            sort_strength="B",
        ),
        "c2": ClaimFactory(
            slug="c2",
            statement="Needling nourishes follicles through new vessels.",
            category=blood,
            certainty="very_low",
            direction="supported",
            certainty_override="moderate",
            override_justification="The case series is large for its kind.",
        ),
        "c3": ClaimFactory(
            slug="c3",
            statement="Hair shafts thicken after needling.",
            category=hair,
            certainty="low",
            direction="mixed",
        ),
        "d1": ClaimFactory(
            slug="d1",
            statement="Draft claim about hair.",
            category=hair,
            certainty="high",
            direction="supported",
            status=PublicationStatus.DRAFT,
        ),
        "r1": ClaimFactory(
            slug="r1",
            statement="Claim in review about blood flow.",
            category=blood,
            certainty="high",
            direction="supported",
            status=PublicationStatus.REVIEW,
        ),
    }
    for claim, study in [
        ("c1", "rct1"),
        ("c2", "series"),
        ("c2", "draft_rct"),
        ("c3", "rct3"),
        ("c3", "animal"),
        ("c3", "retracted"),
        ("d1", "rct1"),
        ("r1", "series"),
    ]:
        EvidenceLinkFactory(claim=claims[claim], study=studies[study])
    ClaimMentionFactory(claim=claims["c1"])
    ClaimMentionFactory(claim=claims["c1"])
    ClaimMentionFactory(claim=claims["c2"], document__status=PublicationStatus.DRAFT)
    return SmallBase(claims=claims, studies=studies)


def generated_base(*, claims: int, studies: int, seed: int, links_per_claim: int = 3) -> str:
    """A synthetic base from `manage.py generate_synthetic` (quietly); its summary line."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "generate_synthetic",
        claims=claims,
        studies=studies,
        links_per_claim=links_per_claim,
        seed=seed,
        no_progress=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()
