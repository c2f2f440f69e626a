from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingConfig(AppConfig):
    name = "filing"
    verbose_name = _("备案与证书")

    def ready(self) -> None:
        # System checks, and the Celery tasks (registered by name: services queue them by name).
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth_signals

        from filing import checks, tasks  # noqa: F401
        from filing.services import security

        auth_signals.user_logged_in.connect(security.on_logged_in, dispatch_uid="audit_login")
        auth_signals.user_login_failed.connect(security.on_login_failed, dispatch_uid="audit_login_failed")
        auth_signals.user_logged_out.connect(security.on_logged_out, dispatch_uid="audit_logout")
        user_locked_out.connect(security.on_locked_out, dispatch_uid="audit_locked_out")
