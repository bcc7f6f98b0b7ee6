"""factory_boy factories: unit tests make their own data with these, not with the seed."""

import factory
from django.contrib.auth import get_user_model

from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimMention,
    EvidenceLink,
    PublicationStatus,
    SourceDocument,
)
from studies.models import Outcome, OutcomeArm, Study, StudyDesign, StudyStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study

    title = factory.Sequence(lambda n: f"Test study number {n} of scalp needling")
    authors = factory.LazyFunction(lambda: ["Ada Tester", "Ben Example"])
    journal = "Journal of Tests"
    year = 2020
    design = StudyDesign.RCT
    condition = "androgenetic alopecia"
    participants = 50
    risk_of_bias = "low"
    status = StudyStatus.PUBLISHED


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    study = factory.SubFactory(StudyFactory)
    measure = "hair count, change from baseline"
    unit = "hairs/cm2"
    timepoint_weeks = 12


class OutcomeArmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeArm

    outcome = factory.SubFactory(OutcomeFactory)
    label = factory.Sequence(lambda n: f"arm {n}")


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    text = (
        "Microneedling induces collagen. It also improves blood flow to the scalp. "
        "Microneedling induces collagen, the article says again."
    )
    status = PublicationStatus.PUBLISHED


class ClaimCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.Sequence(lambda n: f"Microneedling does thing number {n}.")
    slug = factory.Sequence(lambda n: f"claim-{n}")
    category = factory.SubFactory(ClaimCategoryFactory)
    status = PublicationStatus.PUBLISHED


class ClaimMentionFactory(factory.django.DjangoModelFactory):
    """A mention of the first sentence of the default document text."""

    class Meta:
        model = ClaimMention

    claim = factory.SubFactory(ClaimFactory)
    document = factory.SubFactory(SourceDocumentFactory)
    quote = "Microneedling induces collagen"
    start = factory.LazyAttribute(lambda m: m.document.text.find(m.quote))
    end = factory.LazyAttribute(lambda m: m.start + len(m.quote))
    # Reviewed, like the claim and document factories' rows: public when they are.
    status = PublicationStatus.PUBLISHED


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceLink

    claim = factory.SubFactory(ClaimFactory)
    study = factory.SubFactory(StudyFactory)
    direction = "supports"
    finding = "The study found what the claim says."
