"""Keeps `ClaimFacet` (each claim's designs and conditions among its published linked studies)
in step with the links and the studies, and rebuilds it in one statement per facet.

Each row also holds its claim's place in the claim list (published or not, category, slug), so a
list filtered by a design or condition reads its page from one index in the list's order.

Connected in EvidenceConfig.ready: a link saved or deleted refreshes its claim (and the claim it
was moved from); a study saved, or sent with `studies_changed` (publish, unpublish, retract, the
admin with its inlines), refreshes every claim linked to it; a claim saved with another status,
category or slug moves its rows. A bulk write that sends no signal
(generate_synthetic, a raw UPDATE) calls `claim_facets_refresh()` itself.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_save

from evidence.models import Claim, ClaimFacet, ClaimFacetName, EvidenceLink, PublicationStatus
from studies.models import Study, StudyStatus
from studies.signals import studies_changed

CHUNK = 500


def _insert_sql(where: str) -> str:
    facet = connection.ops.quote_name(ClaimFacet._meta.db_table)
    link = connection.ops.quote_name(EvidenceLink._meta.db_table)
    study = connection.ops.quote_name(Study._meta.db_table)
    claim = connection.ops.quote_name(Claim._meta.db_table)
    published = PublicationStatus.PUBLISHED.value
    parts = []
    for name, column in (
        (ClaimFacetName.DESIGN, "design"),
        (ClaimFacetName.CONDITION, "condition"),
    ):
        # LEFT JOIN: a fixture may load a link before its claim; the claim's save fills its place.
        parts.append(
            f"SELECT DISTINCT l.claim_id, '{name.value}', s.{column}, "  # noqa: S608 -- our names
            f"COALESCE(c.status = '{published}', FALSE), c.category_id, COALESCE(c.slug, '') "
            f"FROM {link} l JOIN {study} s ON s.id = l.study_id "
            f"LEFT JOIN {claim} c ON c.id = l.claim_id "
            f"WHERE s.status = '{StudyStatus.PUBLISHED.value}' AND s.{column} <> ''{where}"
        )
    columns = "claim_id, facet, value, published, category_id, slug"
    return f"INSERT INTO {facet} ({columns}) " + " UNION ".join(parts)


@transaction.atomic
def claim_facets_refresh(*, claims: Iterable[int] | None = None) -> None:
    """Rebuilds the facet rows of these claims (by pk), or of every claim when None."""
    facet = connection.ops.quote_name(ClaimFacet._meta.db_table)
    with connection.cursor() as cursor:
        if claims is None:
            cursor.execute(f"DELETE FROM {facet}")  # noqa: S608
            cursor.execute(_insert_sql(""))
            return
        pks = sorted({int(pk) for pk in claims})
        for i in range(0, len(pks), CHUNK):
            chunk = pks[i : i + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {facet} WHERE claim_id IN ({marks})", chunk)  # noqa: S608
            cursor.execute(_insert_sql(f" AND l.claim_id IN ({marks})"), chunk + chunk)


def _claim_saved(sender, instance: Claim, created: bool, raw: bool = False, **kwargs) -> None:
    """The claim's status, category or slug changed (or a fixture loaded it, perhaps after its
    links): its facet rows take its new place in the list. One UPDATE, only then."""
    place = instance.list_place()
    if place == getattr(instance, "_loaded_place", None) or (created and not raw):
        instance._loaded_place = place
        return
    published, category_id, slug = place
    ClaimFacet.objects.filter(claim_id=instance.pk).update(
        published=published, category_id=category_id, slug=slug
    )
    instance._loaded_place = place


def _note_old_claim(sender, instance, **kwargs) -> None:
    if instance.pk:
        instance._facets_old_claim = (
            EvidenceLink.objects.filter(pk=instance.pk).values_list("claim_id", flat=True).first()
        )


def _link_changed(sender, instance, **kwargs) -> None:
    claims = {instance.claim_id, getattr(instance, "_facets_old_claim", None)} - {None}
    claim_facets_refresh(claims=claims)


def _study_saved(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    claim_facets_refresh(
        claims=EvidenceLink.objects.filter(study=instance).values_list("claim_id", flat=True)
    )


def _studies_changed(sender, *, studies, **kwargs) -> None:
    pks = [getattr(s, "pk", s) for s in studies]
    claim_facets_refresh(
        claims=EvidenceLink.objects.filter(study_id__in=pks).values_list("claim_id", flat=True)
    )


def connect() -> None:
    uid = "evidence.claim_facets"
    pre_save.connect(_note_old_claim, sender=EvidenceLink, dispatch_uid=f"{uid}.pre")
    post_save.connect(_link_changed, sender=EvidenceLink, dispatch_uid=f"{uid}.link_saved")
    post_delete.connect(_link_changed, sender=EvidenceLink, dispatch_uid=f"{uid}.link_deleted")
    post_save.connect(_study_saved, sender=Study, dispatch_uid=f"{uid}.study_saved")
    post_save.connect(_claim_saved, sender=Claim, dispatch_uid=f"{uid}.claim_saved")
    studies_changed.connect(_studies_changed, sender=Study, dispatch_uid=f"{uid}.studies")
