"""Settings of the test suite: the embedded configuration, whatever the caller's shell exported.

The README tells operators to export ``REDIS_URL`` (and production sets ``DJANGO_PRODUCTION``, keys, domain
settings); a developer who runs ``make test`` in such a shell must get the same suite. Every variable that
``config.settings`` reads is removed from the environment before it is imported (so subprocesses started by
tests inherit the pinned environment too), except the database, which ``make test`` chooses on purpose.
Tests that need Redis, production mode or another value set it themselves (``TEST_REDIS_URL``, subprocess
environments, ``settings`` overrides).
"""

import os
import tempfile

#: Kept: the database ``make test`` points at, the settings module itself, CI's own flag and test-only knobs.
KEPT = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
PINNED_PREFIXES = (
    "DJANGO_",
    "FILING_",
    "CELERY_",
    "CERTIFICATE_",
    "NOTIFICATION_",
    "VERIFY_",
    "AXES_",
    "API_",
    "SESSION_",
    "PASSWORD_",
    "OTP_",
    "CREDENTIAL_",
    "SMS_",
    "NATIONAL_",
    "HEALTH_",
    "OPS_",
    "REPLICA_",
    "DB_",
)
PINNED_NAMES = {
    "REDIS_URL",
    "CACHE_URL",
    "AUDIT_HMAC_KEY",
    "PII_KEY",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "SITE_URL",
    "DB_CONN_MAX_AGE",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DATABASE_REPLICA_URL",
    "PROMETHEUS_MULTIPROC_DIR",
}

for _name in list(os.environ):
    if _name in KEPT:
        continue
    if _name in PINNED_NAMES or _name.startswith(PINNED_PREFIXES):
        del os.environ[_name]
# A developer's .env must not reach the suite either.
os.environ["DJANGO_READ_DOT_ENV"] = "false"

from config.settings import *  # noqa: E402,F403

# The access matrix and schemathesis send thousands of API requests a minute as one user; the throttles'
# own test sets low rates on the classes themselves.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"user": "1000000/min", "anon": "1000000/min"},
}

# Verifiable credentials are signed with a key created on first use in the machine's temporary directory
# (never the developer's var/keys/); every worker of a run shares it (creation is atomic).
CREDENTIAL_SIGNING_KEY = os.path.join(tempfile.gettempdir(), "skill-filing-tests", "credential-signing.pem")
# Signing keys in a temporary directory of this process (tests/conftest.py creates them once).
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

CERTIFICATE_SIGNING = "city"
CERTIFICATE_SIGNING_DIR = Path(tempfile.mkdtemp(prefix="test-signing-"))
CERTIFICATE_SIGNING_KEY = str(CERTIFICATE_SIGNING_DIR / "city.key.pem")
CERTIFICATE_SIGNING_CERT = str(CERTIFICATE_SIGNING_DIR / "city.cert.pem")
CERTIFICATE_SIGNING_ROOT = str(CERTIFICATE_SIGNING_DIR / "root.cert.pem")

# A second alias on the same test database, as a read replica would be (config/routers.py); routing to it
# stays off (REPLICA_DATABASE empty) except in the router's own tests.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
