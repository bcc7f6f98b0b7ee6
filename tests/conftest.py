import json
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
SEED_DIR = REPO / "fixtures" / "seed"
# The verified reference beside the checkout; CI and developers have it. The copy in
# fixtures/seed/ is what the app loads, and it must stay identical to this one.
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture
def seeded(db):
    """The whole seed evidence base, loaded as `make run` loads it."""
    from evidence.seed import seed_load

    return seed_load()


@pytest.fixture(scope="session")
def bibliography() -> list[dict]:
    return json.loads((SEED_DIR / "bibliography.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def outcome_rows() -> list[dict]:
    return json.loads((SEED_DIR / "outcomes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def curated() -> dict:
    return json.loads((SEED_DIR / "evidence.json").read_text(encoding="utf-8"))
