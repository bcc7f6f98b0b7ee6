"""Benchmark every citation format: records/s read, and a whole 10,000-record import.

For each format (RIS, Web of Science tagged, BibTeX, MEDLINE, PubMed XML, CSL-JSON) it writes
a file of N plainly fake records (test data: "Test record number 17", DOIs under the 10.5555
test prefix, names with particles and suffixes, abstracts with labelled sections, "%" and "&"),
times reading it (`read_citations`: decoding, detection, parsing, checks), then times the
whole import (`citations_import`: de-duplication, validation, writing studies with history)
in a transaction that is rolled back, so nothing stays in the database. Prints one line per
format (records/s read, and the whole import's seconds and records/s, wall-clock and CPU),
the slowest format's 10k figure and the load average: `docs/imports.md` keeps the figures.
The machine is shared, so CPU seconds are the fair figure; --repeat N prints medians.

    DEBUG=1 .venv/bin/python manage.py bench_formats --records 10000 --repeat 3
"""

import json
import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from studies.exporters import to_bibtex, to_csljson, to_ris
from studies.importers import read_citations
from studies.models import Study
from studies.services import ImportOutcome, citations_import

_NAMES = [["van der Berg J", "English RS Jr", "Liu R"], ["Ada Tester", "Ben Example"]]
_ABSTRACT = "BACKGROUND: A 5% test & more of record {i}.\n\nRESULTS: Test results for {i}."


def _studies(n: int) -> list[Study]:
    return [
        Study(
            title=f"Test record number {i} for the import benchmark: 5% & more",
            authors=_NAMES[i % 2],
            journal="Journal of Test Records & Benchmarks",
            year=2000 + i % 25,
            volume="1",
            issue=str(i % 12 + 1),
            pages=f"{i}-{i + 9}",
            doi=f"10.5555/bench.{i}",
            pmid=str(10_000_000 + i),
            abstract=_ABSTRACT.format(i=i),
            keywords=["test keyword", "benchmark"],
            language="eng",
        )
        for i in range(1, n + 1)
    ]


def _medline(n: int) -> str:
    out = []
    for i in range(1, n + 1):
        out.append(
            f"PMID- {10_000_000 + i}\nDP  - {2000 + i % 25} Jan\n"
            f"TI  - Test record number {i} for the import benchmark\n"
            f"PG  - {i}-{i + 9}\nLID - 10.5555/bench.{i} [doi]\n"
            f"AB  - BACKGROUND: Test {i}. RESULTS: Test results.\n"
            "FAU - van der Berg, Jan\nAU  - van der Berg J\nFAU - English, Robert S Jr\n"
            "LA  - eng\nPT  - Journal Article\nJT  - Journal of Test Records\nVI  - 1\n"
            "MH  - Alopecia/*therapy\nOT  - benchmark\n\n"
        )
    return "".join(out)


def _pubmed(n: int) -> str:
    out = ['<?xml version="1.0" ?>\n<PubmedArticleSet>\n']
    for i in range(1, n + 1):
        out.append(
            f"<PubmedArticle><MedlineCitation><PMID>{10_000_000 + i}</PMID><Article>"
            "<Journal><JournalIssue><Volume>1</Volume>"
            f"<PubDate><Year>{2000 + i % 25}</Year></PubDate></JournalIssue>"
            "<Title>Journal of Test Records</Title></Journal>"
            f"<ArticleTitle>Test record number {i} for the import benchmark.</ArticleTitle>"
            f"<Pagination><MedlinePgn>{i}-{i + 9}</MedlinePgn></Pagination>"
            f'<Abstract><AbstractText Label="BACKGROUND">Test {i}.</AbstractText></Abstract>'
            "<AuthorList><Author><LastName>English</LastName><ForeName>Robert S</ForeName>"
            "<Suffix>Jr</Suffix></Author></AuthorList><Language>eng</Language>"
            "<PublicationTypeList><PublicationType>Journal Article</PublicationType>"
            "</PublicationTypeList></Article></MedlineCitation><PubmedData><ArticleIdList>"
            f'<ArticleId IdType="doi">10.5555/bench.{i}</ArticleId></ArticleIdList>'
            "</PubmedData></PubmedArticle>\n"
        )
    out.append("</PubmedArticleSet>\n")
    return "".join(out)


def _wos(n: int) -> str:
    out = ["FN Clarivate Analytics Web of Science\nVR 1.0\n"]
    for i in range(1, n + 1):
        out.append(
            f"PT J\nAU van der Berg, J\nAF van der Berg, Jan\n"
            f"TI Test record number {i} for the import\n   benchmark\nSO JOURNAL OF TEST RECORDS\n"
            f"LA English\nDT Article\nAB A test abstract {i}.\nPY {2000 + i % 25}\nVL 1\n"
            f"BP {i}\nEP {i + 9}\nDI 10.5555/bench.{i}\nER\n\n"
        )
    return "".join(out) + "EF\n"


def files(n: int) -> dict[str, tuple[str, str]]:
    """{format: (file name, text)} with n records each."""
    studies = _studies(n)
    return {
        "ris": ("bench.ris", to_ris(studies)),
        "wos": ("bench.txt", _wos(n)),
        "bibtex": ("bench.bib", to_bibtex(studies)),
        "medline": ("bench.nbib", _medline(n)),
        "pubmed": ("bench.xml", _pubmed(n)),
        "csljson": ("bench.json", to_csljson(studies)),
    }


def _median(values: list[float]) -> float:
    return statistics.median(values)


class Command(BaseCommand):
    help = "Time reading and importing N fake records in every citation format."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=10_000)
        parser.add_argument("--format", action="append", help="Only these formats.")
        parser.add_argument("--read-only", action="store_true", help="Time reading only.")
        parser.add_argument(
            "--repeat", type=int, default=1, help="Runs per format; the medians are printed."
        )

    def handle(self, *args, records, format, read_only, repeat, **options):
        generated = files(records)
        load_before = os.getloadavg()
        self.stdout.write(
            f"{records} records per format, {connection.vendor}, median of {repeat} run(s); "
            f"load average {load_before[0]:.2f} (1 min), {load_before[1]:.2f} (5 min)"
        )
        rows: list[dict[str, object]] = []
        for fmt, (name, text) in generated.items():
            if format and fmt not in format:
                continue
            content = text.encode()
            reads, read_cpus, imports, import_cpus = [], [], [], []
            for _ in range(repeat):
                started, cpu = time.perf_counter(), time.process_time()
                found, parsed = read_citations(name, content)
                reads.append(time.perf_counter() - started)
                read_cpus.append(time.process_time() - cpu)
                if found != fmt or len(parsed) != records:
                    raise CommandError(f"{name}: read as {found}, {len(parsed)} records")
                if read_only:
                    continue
                # As a server runs it: DEBUG off, so no SQL is kept in connection.queries.
                with override_settings(DEBUG=False), transaction.atomic():
                    started, cpu = time.perf_counter(), time.process_time()
                    report = citations_import(filename=name, content=content, max_bytes=10**9)
                    imports.append(time.perf_counter() - started)
                    import_cpus.append(time.process_time() - cpu)
                    created = report.count(ImportOutcome.CREATED)
                    if created != records or Study.history.count() < records:
                        raise CommandError(f"{name}: {created} created of {records}")
                    transaction.set_rollback(True)
            read_s, read_cpu = _median(reads), _median(read_cpus)
            row: dict[str, object] = {
                "format": fmt,
                "megabytes": round(len(content) / 1e6, 1),
                "read_records_per_s": round(records / read_s),
                "read_records_per_s_cpu": round(records / read_cpu),
            }
            line = (
                f"{fmt:8} {len(content) / 1e6:5.1f} MB  read: {records / read_s:6.0f} records/s "
                f"(CPU {records / read_cpu:6.0f}/s)"
            )
            if not read_only:
                import_s, import_cpu = _median(imports), _median(import_cpus)
                row |= {
                    "import_s": round(import_s, 2),
                    "import_cpu_s": round(import_cpu, 2),
                    "import_records_per_s": round(records / import_s),
                    "import_records_per_s_cpu": round(records / import_cpu),
                }
                line += (
                    f";  whole import of {records}: {import_s:5.2f} s wall, {import_cpu:5.2f} s "
                    f"CPU = {records / import_s:5.0f} records/s ({records / import_cpu:5.0f}/s "
                    f"CPU), studies and history rows written, rolled back"
                )
            self.stdout.write(line)
            rows.append(row)
        load_after = os.getloadavg()
        if rows and not read_only:
            slowest = max(rows, key=lambda r: r["import_s"])
            slowest_cpu = max(rows, key=lambda r: r["import_cpu_s"])
            self.stdout.write(
                f"{records}-record import, slowest format: {slowest['import_s']} s wall "
                f"({slowest['format']}), {slowest_cpu['import_cpu_s']} s CPU "
                f"({slowest_cpu['format']}); load average now {load_after[0]:.2f}"
            )
        self.stdout.write(json.dumps(rows))
