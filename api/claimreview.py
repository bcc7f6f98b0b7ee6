"""schema.org ClaimReview for a claim page (https://schema.org/ClaimReview), read by
fact-check aggregators: the claim reviewed, where it appears, and a rating from the grade."""

from typing import Any

from evidence.models import Claim, ClaimMention

ORGANISATION = "Evidence tracker"

# 1 (false) to 5 (true), as fact-checkers rate: only high or moderate certainty says
# "true" or "false"; low and very low certainty, or no clear direction, say "unproven".
_RATINGS = {
    ("supported", "high"): 5,
    ("supported", "moderate"): 4,
    ("contradicted", "moderate"): 2,
    ("contradicted", "high"): 1,
}
_WORDS = {5: "True", 4: "Probably true", 3: "Unproven", 2: "Probably false", 1: "False"}


def rating_of(claim: Claim) -> tuple[int, str]:
    value = _RATINGS.get((claim.effective_direction, claim.effective_certainty), 3)
    certainty = claim.effective_certainty.replace("_", " ")
    words = _WORDS[value]
    if claim.effective_certainty != "none":
        words = f"{words} ({certainty} certainty evidence)"
    return value, words


def claim_review(
    claim: Claim, mentions: list[ClaimMention], *, page_url: str, base: str
) -> dict[str, Any]:
    value, words = rating_of(claim)
    appearances = []
    seen = set()
    for mention in mentions:
        if mention.document_id in seen:
            continue
        seen.add(mention.document_id)
        appearances.append(
            {
                "@type": "CreativeWork",
                "name": mention.document.title,
                "url": f"{base}{mention.document.get_absolute_url()}",
            }
        )
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": page_url,
        "claimReviewed": claim.statement,
        "itemReviewed": {"@type": "Claim", "appearance": appearances},
        "author": {"@type": "Organization", "name": ORGANISATION, "url": f"{base}/"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": words,
        },
    }
    if claim.graded_at:
        review["datePublished"] = claim.graded_at.date().isoformat()
    return review
