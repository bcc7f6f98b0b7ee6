"""Cursor pages: stable under inserts, no COUNT query, the same cost for page 1 and page 100."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Pages in primary-key order (a fixed, unique order: a cursor needs one); `page_size` up
    to 100."""

    ordering = ("pk",)
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
