"""Deployment settings: `check --deploy` passes only with the documented production variables."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_PRODUCTION": "true",
    "DJANGO_SECRET_KEY": "x7Jq9-production-secret-key-for-the-test-0aZk3LmN8pQr5sTu2vWx",
    "AUDIT_HMAC_KEY": "audit-hmac-key-for-the-test-0123456789abcdef",
    "PII_KEY": "pii-key-for-the-test-0123456789abcdefghijklmn",
    "DJANGO_ALLOWED_HOSTS": "filing.example.gov.cn",
}


def run_check(extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUDIT_", "PII_"))}
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
@pytest.mark.parametrize("missing", ["DJANGO_PRODUCTION", "DJANGO_SECRET_KEY", "AUDIT_HMAC_KEY", "PII_KEY"])
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
