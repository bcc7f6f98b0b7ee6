from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public site (reads only)"

    def ready(self) -> None:
        # Every write of the literature or the evidence a reader could see makes the cached
        # pages unreachable, and the worker warms their shared parts after it (public/tasks.py);
        # public.visibility tells which writes those are.
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from evidence.signals import grades_changed
        from public import tasks, visibility
        from studies.signals import studies_changed

        pre_save.connect(visibility.note_before, dispatch_uid="public.visibility.pre_save")
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(tasks.on_change, dispatch_uid=f"public.tasks.{signal}")
        studies_changed.connect(tasks.on_studies_changed, dispatch_uid="public.studies_changed")
        # A regrade's bulk write sends no post_save.
        grades_changed.connect(tasks.on_grades_changed, dispatch_uid="public.grades_changed")
