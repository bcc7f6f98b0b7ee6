"""The pure domain modules stay pure: they import without Django, and the models' choices are
built from their vocabularies.

The pure modules are the ones `[tool.mypy] files` in pyproject.toml lists for strict typing: one
list, so a module added there is held to both rules.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from evidence import models as evidence_models
from evidence import vocabulary as evidence_vocabulary
from studies import models as studies_models
from studies import vocabulary as studies_vocabulary

REPO = Path(__file__).resolve().parent.parent


def pure_modules() -> list[str]:
    """Dotted names of every module under the mypy `files` (files and packages)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    paths: list[Path] = []
    for entry in config["tool"]["mypy"]["files"]:
        path = REPO / entry
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    names = []
    for path in paths:
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


# Imports each module in turn with Django made unimportable, and prints the ones that fail.
IMPORT_EACH = """
import importlib, sys
sys.modules["django"] = None
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as error:
        print(f"{name}: {type(error).__name__}: {error}")
"""


def test_the_pure_module_list_covers_grading_certainty_anchoring_citations_importers_vocabularies():
    names = pure_modules()
    for expected in (
        "evidence.grading",
        "evidence.anchoring",
        "evidence.certainty",
        "evidence.synthesis",
        "evidence.assessment",
        "evidence.vocabulary",
        "studies.vocabulary",
        "studies.citations",
        "studies.importers",
        "studies.importers.records",
        "studies.importers.ris",
        "studies.importers.bibtex",
        "studies.importers.csljson",
        "studies.importers.pubmed",
        "evidence.matching",
        "evidence.matching_devset",
    ):
        assert expected in names


def test_every_pure_module_imports_without_django():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}  # no DJANGO_SETTINGS_MODULE
    result = subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", IMPORT_EACH, *pure_modules()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", "These pure modules need Django:\n" + result.stdout


@pytest.mark.parametrize(
    ("choices", "vocabulary"),
    [
        (studies_models.StudyDesign, studies_vocabulary.StudyDesign),
        (studies_models.RiskOfBias, studies_vocabulary.RiskOfBias),
        (studies_models.StudyStatus, studies_vocabulary.StudyStatus),
        (evidence_models.PublicationStatus, evidence_vocabulary.PublicationStatus),
        (evidence_models.Certainty, evidence_vocabulary.Certainty),
        (evidence_models.ClaimDirection, evidence_vocabulary.ClaimDirection),
        (evidence_models.SortStrength, evidence_vocabulary.SortStrength),
        (evidence_models.LinkDirection, evidence_vocabulary.LinkDirection),
    ],
    ids=lambda value: f"{value.__module__}.{value.__name__}",
)
def test_model_choices_carry_the_vocabularys_names_values_and_labels(choices, vocabulary):
    assert [(m.name, m.value, m.label) for m in choices] == [
        (m.name, m.value, m.label) for m in vocabulary
    ]
    # Named where it is defined, so a member pickles (a cache, a session) and unpickles to itself.
    assert getattr(sys.modules[choices.__module__], choices.__qualname__) is choices
    assert choices.__module__.endswith(".models")
