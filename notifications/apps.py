from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (the Celery tasks, queued by name)
        from .receivers import connect

        connect()
