"""A production-mode copy of the site behind a simulated proxy (#12 findings 4 and 8): gunicorn with two
workers, Redis as the shared cache, one trusted proxy hop. The headers a browser receives; a spoofed
X-Forwarded-For does not reset the verification limit; the limit is one count for both workers; the
OpenAPI schema is behind login."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
# A database of its own: other tests flush theirs (the Celery worker test uses 15, issuance 14).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0] + "/13"
pytestmark = pytest.mark.slow_subprocess


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    redis_client = _redis()
    require(redis_client is not None, f"Redis is not reachable at {REDIS_URL}")
    redis_client.flushdb()
    folder = tmp_path_factory.mktemp("production")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUDIT_", "PII_", "API_"))}
    for name in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "VERIFY_RATE_PER_MINUTE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_PRODUCTION="true",
        DJANGO_SECRET_KEY="x7Jq9-production-secret-key-for-the-test-0aZk3LmN8pQr5sTu2vWx",
        AUDIT_HMAC_KEY="audit-hmac-key-for-the-test-0123456789abcdef",
        PII_KEY="pii-key-for-the-test-0123456789abcdefghijklmn",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_BEHIND_PROXY="true",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        REDIS_URL=REDIS_URL,
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "gunicorn.log", "w"),  # noqa: SIM115 - kept open for the server's lifetime
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.2)
    yield base, redis_client
    process.terminate()
    process.wait(timeout=20)
    redis_client.flushdb()


def get(url, headers=None, method="GET", data=None):
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def proxied(client_address: str, spoofed: str = "") -> dict:
    """What the trusted proxy sends: the client's own X-Forwarded-For (anything it likes) with the address
    the proxy saw appended, and the scheme the client used."""
    chain = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"X-Forwarded-For": chain, "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def test_the_headers_a_browser_receives(server):
    base, _redis_client = server
    status, headers, body = get(base + "/verify/", proxied("203.0.113.5"))
    assert status == 200, body[:500]
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "Secure" in headers.get("Set-Cookie", "Secure")  # any cookie set on this page is Secure

    plain = get(base + "/verify/", {"Host": "127.0.0.1", "X-Forwarded-For": "203.0.113.5"})
    assert plain[0] == 301 and plain[1]["Location"].startswith("https://")  # http is sent to https


def test_a_spoofed_forwarded_for_does_not_reset_the_verification_limit_and_both_workers_share_it(server):
    base, redis_client = server
    answers = [
        get(base + "/api/v1/verify/?token=nothing", proxied("198.51.100.7", spoofed=f"10.0.{i}.{i}"))[0]
        for i in range(35)
    ]
    assert answers[:30] == [200] * 30
    assert set(answers[30:]) == {429}
    (key,) = [k for k in redis_client.keys("*rl:verify:*")]
    assert int(redis_client.get(key)) == 35  # one count in Redis, whichever worker answered
    # Another client behind the same proxy is not limited by the first one's requests.
    assert get(base + "/api/v1/verify/?token=nothing", proxied("198.51.100.8"))[0] == 200


def test_the_openapi_schema_is_behind_login_in_production(server):
    base, _redis_client = server
    status, _headers, _body = get(base + "/api/schema/", proxied("203.0.113.9"))
    assert status in (401, 403)
