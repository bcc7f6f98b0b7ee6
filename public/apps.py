from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public site (reads only)"

    def ready(self) -> None:
        # Every write of the literature or the evidence makes the cached pages unreachable.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from evidence.signals import grades_changed
        from public import page_cache, tasks
        from studies.signals import studies_changed

        # Each warm receiver right after its bump: the worker warms the lists' facet counts
        # after the transaction's last bump (public/tasks.py).
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(page_cache.bump_on_change, dispatch_uid=f"public.page_cache.{signal}")
            signal.connect(tasks.warm_on_change, dispatch_uid=f"public.tasks.{signal}")
        studies_changed.connect(
            page_cache.bump_on_bulk_change, dispatch_uid="public.page_cache.studies_changed"
        )
        studies_changed.connect(
            tasks.warm_on_bulk_change, dispatch_uid="public.tasks.studies_changed"
        )
        # A regrade's bulk write sends no post_save.
        grades_changed.connect(
            page_cache.bump_on_bulk_change, dispatch_uid="public.page_cache.grades_changed"
        )
        grades_changed.connect(
            tasks.warm_on_bulk_change, dispatch_uid="public.tasks.grades_changed"
        )
