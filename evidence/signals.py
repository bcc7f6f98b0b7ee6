"""The hook through which the read side learns that grades changed without a model signal.

A regrade writes grades in bulk (`UPDATE … FROM (VALUES …)`), which sends no `post_save`; the
pages and answers cached for readers (public.page_cache) would show the old grades until their
timeout. `evidence.services.claims_regrade` sends `grades_changed` once it has written new
grades, and public plugs in from its side (public.apps), as it does for `studies_changed`:
evidence never imports the read side.
"""

from django.dispatch import Signal

grades_changed = Signal()
"""Sent with sender=Claim, changed=N (how many stored grades changed) and published=M (how many
of them are published claims') after a regrade wrote them, in the regrade's caller's
transaction if it has one."""
