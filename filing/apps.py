from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingConfig(AppConfig):
    name = "filing"
    verbose_name = _("备案与证书")

    def ready(self) -> None:
        # System checks, and the Celery tasks (registered by name: services queue them by name).
        from filing import checks, tasks  # noqa: F401
