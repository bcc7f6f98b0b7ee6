import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"

# JSON-LD contexts the tests resolve offline. anno.jsonld is the W3C Web Annotation context
# (http://www.w3.org/ns/anno.jsonld, Appendix A of the Web Annotation Data Model), vendored;
# schemaorg-context.jsonld is a reduction of schema.org's context to what ClaimReview uses
# (its @vocab and the `url` coercion), since the full one is several hundred kB.
CONTEXTS = {
    "http://www.w3.org/ns/anno.jsonld": DATA / "anno.jsonld",
    "https://www.w3.org/ns/anno.jsonld": DATA / "anno.jsonld",
    "https://schema.org": DATA / "schemaorg-context.jsonld",
    "https://schema.org/": DATA / "schemaorg-context.jsonld",
    "http://schema.org/": DATA / "schemaorg-context.jsonld",
}


def offline_loader(url, options=None):
    """pyld's document loader, from tests/data only: a test never reaches the network."""
    path = CONTEXTS.get(url)
    if path is None:
        raise AssertionError(f"a JSON-LD document outside tests/data was asked for: {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(path.read_text(encoding="utf-8")),
    }


@pytest.fixture
def jsonld_options():
    return {"documentLoader": offline_loader}
