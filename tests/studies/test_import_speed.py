"""Import speed on a generated file of 2,000 plainly fake records (the figure is in the report).

Run with -s to see the timing: `pytest tests/studies/test_import_speed.py -s`.
"""

import time

import pytest

from studies.models import Study
from studies.services import ImportOutcome, citations_import

pytestmark = pytest.mark.django_db
RECORDS = 2000


def fake_ris(n: int) -> bytes:
    lines = []
    for i in range(1, n + 1):
        lines += [
            "TY  - JOUR",
            f"AU  - Tester{i}, Ada",
            "AU  - Example, Ben",
            f"TI  - Test record number {i} for the import benchmark",
            "T2  - Journal of Test Records",
            f"PY  - {2000 + i % 25}",
            "VL  - 1",
            f"SP  - {i}",
            f"EP  - {i + 9}",
            f"DO  - 10.5555/test.{i}",
            "ER  - ",
            "",
        ]
    return "\n".join(lines).encode()


def test_two_thousand_records_import_and_re_import_in_seconds(capsys):
    content = fake_ris(RECORDS)
    started = time.perf_counter()
    report = citations_import(filename="benchmark.ris", content=content)
    first = time.perf_counter() - started
    assert report.count(ImportOutcome.CREATED) == RECORDS
    assert Study.objects.count() == RECORDS
    assert Study.history.count() == RECORDS

    started = time.perf_counter()
    again = citations_import(filename="benchmark.ris", content=content)
    second = time.perf_counter() - started
    assert again.count(ImportOutcome.PRESENT) == RECORDS
    with capsys.disabled():
        print(
            f"\nimport of {RECORDS} records: {first:.2f} s ({RECORDS / first:.0f}/s); "
            f"re-import, all already present: {second:.2f} s ({RECORDS / second:.0f}/s)"
        )
    # A generous ceiling so a slow CI machine passes but an N+1 (seconds per hundred) fails.
    assert first < 60 and second < 60
