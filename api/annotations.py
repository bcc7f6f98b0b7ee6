"""Every published mention as a W3C Web Annotation (https://www.w3.org/TR/annotation-model/):
the target is the document's text with a TextQuoteSelector and a TextPositionSelector (the
offsets this project already stores), the body the claim, its grade and a link to it."""

from typing import Any

from evidence.models import ClaimMention, SourceDocument

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ANNO_JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'

_CERTAINTY_WORDS = {
    "high": "high certainty",
    "moderate": "moderate certainty",
    "low": "low certainty",
    "very_low": "very low certainty",
    "none": "not graded",
}


_STANCE_WORDS = {
    "asserts": "",
    "denies": " The passage denies this claim.",
    "qualifies": " The passage qualifies this claim.",
}


def annotation(mention: ClaimMention, *, document: SourceDocument, base: str) -> dict[str, Any]:
    claim = mention.claim
    certainty = claim.effective_certainty
    direction = claim.effective_direction
    grade = _CERTAINTY_WORDS.get(certainty, certainty.replace("_", " "))
    if direction:
        grade = f"{grade}, {direction.replace('_', ' ')}"
    claim_url = f"{base}{claim.get_absolute_url()}"
    return {
        "id": f"{base}/annotations/{document.slug}/{mention.pk}",
        "type": "Annotation",
        "motivation": "assessing",
        "created": mention.created_at.isoformat(),
        "modified": mention.updated_at.isoformat(),
        "body": [
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "format": "text/plain",
                "language": "en",
                "value": f"{claim.statement} Evidence: {grade}.{_STANCE_WORDS[mention.stance]}",
            },
            # What the passage does with the claim: asserts, denies or qualifies it.
            {"type": "TextualBody", "purpose": "tagging", "value": mention.stance},
            {
                "type": "TextualBody",
                "purpose": "classifying",
                "value": certainty,
            },
            {"id": claim_url, "type": "Text", "purpose": "describing", "format": "text/html"},
        ],
        "target": {
            "type": "SpecificResource",
            "source": f"{base}{document.get_absolute_url()}",
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": mention.quote,
                    "prefix": mention.prefix,
                    "suffix": mention.suffix,
                },
                {"type": "TextPositionSelector", "start": mention.start, "end": mention.end},
            ],
        },
    }


def collection(
    document: SourceDocument, mentions: list[ClaimMention], *, base: str
) -> dict[str, Any]:
    """The document's annotations as one AnnotationCollection with its single page inline."""
    collection_id = f"{base}/annotations/{document.slug}/"
    return {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Claims made by “{document.title}”, with the certainty of their evidence",
        "total": len(mentions),
        "first": {
            "id": f"{collection_id}?page=1",
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": 0,
            "items": [annotation(m, document=document, base=base) for m in mentions],
        },
    }
