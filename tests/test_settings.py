"""Deployment settings: `check --deploy` passes only with the documented production variables."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The credential signing key production must be given (filing.E006): one created for this test run.
SIGNING_KEY = Path(tempfile.gettempdir()) / "skill-filing-tests" / "check-deploy-credential.pem"
if not SIGNING_KEY.exists():
    from filing.credentials import generate_key_file

    generate_key_file(SIGNING_KEY)

PRODUCTION_ENV = {
    "DJANGO_PRODUCTION": "true",
    "DJANGO_SECRET_KEY": "x7Jq9-production-secret-key-for-the-test-0aZk3LmN8pQr5sTu2vWx",
    "AUDIT_HMAC_KEY": "audit-hmac-key-for-the-test-0123456789abcdef",
    "PII_KEY": "pii-key-for-the-test-0123456789abcdefghijklmn",
    "DJANGO_ALLOWED_HOSTS": "filing.example.gov.cn",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # rate limits shared by every process (filing.E005)
    # The national system's age public key (filing.E007): the national report is sealed for it.
    "NATIONAL_REPORT_RECIPIENTS": "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",
    "CREDENTIAL_SIGNING_KEY": str(SIGNING_KEY),  # verifiable credentials (filing.E006)
}


def run_check(extra_env):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUDIT_", "PII_", "NATIONAL_"))
    }
    env.update(extra_env)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow_subprocess
def test_check_deploy_passes_with_documented_production_variables():
    result = run_check(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow_subprocess
@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_PRODUCTION",
        "DJANGO_SECRET_KEY",
        "AUDIT_HMAC_KEY",
        "PII_KEY",
        "REDIS_URL",
        "NATIONAL_REPORT_RECIPIENTS",
        "CREDENTIAL_SIGNING_KEY",
    ],
)
def test_check_deploy_fails_without_each_variable(missing):
    env = dict(PRODUCTION_ENV)
    env.pop(missing)
    result = run_check(env)
    assert result.returncode != 0


def test_embedded_defaults(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "config.middleware.LoginRequiredExceptAPIMiddleware" in settings.MIDDLEWARE
    if not os.environ.get("CELERY_BROKER_URL") and not os.environ.get("REDIS_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER is True


HOSTILE_SHELL = {
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "DJANGO_PRODUCTION": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "FILING_PUBLICITY_WORKING_DAYS": "9",
}


@pytest.mark.slow_subprocess
def test_the_test_settings_pin_what_the_suite_assumes_whatever_the_shell_exported():
    """The README tells operators to export REDIS_URL; production sets DJANGO_PRODUCTION. The suite's own
    settings remove such variables before reading the project's settings (and so do its subprocesses)."""
    probe = (
        "import os, django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER, s.PRODUCTION, "
        "s.SECURE_SSL_REDIRECT, s.FILING['PUBLICITY_WORKING_DAYS'], os.environ.get('REDIS_URL'))"
    )
    env = dict(os.environ, **HOSTILE_SHELL, DJANGO_SETTINGS_MODULE="tests.settings", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "False",
        "False",
        "5",
        "None",
    ]


@pytest.mark.slow_subprocess
def test_the_outbox_tests_pass_with_a_broker_exported_in_the_shell():
    """The three outbox tests that failed when REDIS_URL was exported (a real broker, no eager tasks)."""
    env = dict(os.environ, **HOSTILE_SHELL)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/notifications/test_transactional_outbox.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
