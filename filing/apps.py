from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingConfig(AppConfig):
    name = "filing"
    verbose_name = _("备案与证书")

    def ready(self) -> None:
        from filing import checks  # noqa: F401  (registers system checks)
