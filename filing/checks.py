"""System checks: production must not run with the development keys."""

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def development_keys_in_production(app_configs, **kwargs):
    errors = []
    if not getattr(settings, "PRODUCTION", False):
        errors.append(
            Error(
                "DJANGO_PRODUCTION is not set: HTTPS redirect, HSTS and secure cookies are off.",
                hint="Set DJANGO_PRODUCTION=true in production (README: Environment variables).",
                id="filing.E001",
            )
        )
    for name, dev_value in (
        ("SECRET_KEY", settings.DEV_SECRET_KEY),
        ("AUDIT_HMAC_KEY", settings.DEV_AUDIT_HMAC_KEY),
        ("PII_KEY", settings.DEV_PII_KEY),
    ):
        if getattr(settings, name) == dev_value:
            errors.append(
                Error(
                    f"{name} uses the development default.",
                    hint="Set it from the environment.",
                    id="filing.E002",
                )
            )
    if settings.AUDIT_HMAC_KEY == settings.SECRET_KEY or settings.PII_KEY in (
        settings.SECRET_KEY,
        settings.AUDIT_HMAC_KEY,
    ):
        errors.append(Error("AUDIT_HMAC_KEY, PII_KEY and SECRET_KEY must differ.", id="filing.E003"))
    if len(settings.AUDIT_HMAC_KEY) < 32 or len(settings.PII_KEY) < 32:
        errors.append(Error("AUDIT_HMAC_KEY and PII_KEY need at least 32 characters.", id="filing.E004"))
    return errors
