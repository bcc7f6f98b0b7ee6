"""Public pages. One module per page family, so each stays short enough to read in one go."""

from public.views.check import check_article
from public.views.claim_detail import claim_detail
from public.views.claims import claim_list, claim_list_csv
from public.views.documents import document_detail, evidence_map, home
from public.views.search import search
from public.views.studies import (
    study_bibtex,
    study_csljson,
    study_detail,
    study_list,
    study_list_csv,
    study_list_xlsx,
    study_ris,
)

__all__ = [
    "check_article",
    "claim_detail",
    "claim_list",
    "claim_list_csv",
    "document_detail",
    "evidence_map",
    "home",
    "search",
    "study_bibtex",
    "study_csljson",
    "study_detail",
    "study_list",
    "study_list_csv",
    "study_list_xlsx",
    "study_ris",
]
