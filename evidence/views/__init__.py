"""Public pages. One module per page family, so each stays short enough to read in one go."""

from evidence.views.claim_detail import claim_detail
from evidence.views.claims import claim_list, claim_list_csv
from evidence.views.documents import document_detail, evidence_map, home
from evidence.views.search import search

__all__ = [
    "claim_detail",
    "claim_list",
    "claim_list_csv",
    "document_detail",
    "evidence_map",
    "home",
    "search",
]
