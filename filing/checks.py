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


PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    """Rate limits (verification, objections, password resets) are counted in the cache: a per-process
    cache lets every server process count alone, so N workers allow N times the limit."""
    backend = settings.CACHES["default"]["BACKEND"]
    if getattr(settings, "PRODUCTION", False) and backend in PER_PROCESS_CACHES:
        return [
            Error(
                f"The default cache ({backend}) is per process: rate limits would not be shared.",
                hint="Set REDIS_URL (or CACHE_URL) to a cache every web process shares.",
                id="filing.E005",
            )
        ]
    return []


@register(deploy=True)
def national_report_recipients(app_configs, **kwargs):
    """The national report carries full ID numbers: production seals it for configured age recipients,
    never for a development key created on the server."""
    from filing.sealed import SealError, parse_recipients

    configured = list(settings.NATIONAL_REPORT_RECIPIENTS)
    if not configured:
        if getattr(settings, "PRODUCTION", False):
            return [
                Error(
                    "NATIONAL_REPORT_RECIPIENTS is not set: the national report cannot be encrypted.",
                    hint="Set it to the national system's age public key(s), age1..., comma-separated "
                    "(docs/national-report.md).",
                    id="filing.E007",
                )
            ]
        return []
    try:
        parse_recipients(configured)
    except SealError as exc:
        return [Error(f"NATIONAL_REPORT_RECIPIENTS: {exc}", id="filing.E007")]
    return []


@register(deploy=True)
def credential_signing_key(app_configs, **kwargs):
    """Production never invents the key verifiable credentials are signed with (development does)."""
    from pathlib import Path

    from joserfc.jwk import ECKey

    if not getattr(settings, "PRODUCTION", False):
        return []
    hint = "Create one with `manage.py generate_credential_key --path FILE` and set CREDENTIAL_SIGNING_KEY."
    if not settings.CREDENTIAL_SIGNING_KEY:
        return [Error("CREDENTIAL_SIGNING_KEY is not set.", hint=hint, id="filing.E006")]
    path = Path(settings.CREDENTIAL_SIGNING_KEY)
    if not path.is_file():
        return [Error(f"CREDENTIAL_SIGNING_KEY ({path}) does not exist.", hint=hint, id="filing.E006")]
    try:
        ECKey.import_key(path.read_bytes())
    except Exception as exc:  # any parse failure of the file is the same configuration error
        return [Error(f"CREDENTIAL_SIGNING_KEY ({path}) is not a P-256 private key: {exc}", id="filing.E006")]
    return []
