"""Shared fixtures: personas, service availability (PostgreSQL, Redis, Chromium)."""

from __future__ import annotations

import os
import shutil

import pytest

from filing.roles import Role
from tests import factories

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing, except in CI where a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _signing_keys():
    """A demo trust root and the city's signing key in this process's temporary signing folder
    (tests/settings.py), made once; tests that switch to per-body keys make theirs with the same call."""
    from filing import signing

    signing.generate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files and PDFs go to a per-test folder, never into var/; so does the development
    identity of the national report's recipient."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NATIONAL_REPORT_DEV_KEY_DIR = tmp_path / "keys"


@pytest.fixture(autouse=True)
def _chinese_first():
    """Every test starts in the site's language, whatever an earlier test in the same worker activated."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


DB_FIXTURES = {"db", "transactional_db", "_django_db_helper", "live_server"}


@pytest.fixture(autouse=True)
def _wall_clock_years_are_known(request):
    if not DB_FIXTURES & set(request.fixturenames) and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue(
        "_django_db_helper"
    )  # the database as the test asked for it (plain or transactional)
    factories.declare_wall_clock_years()


@pytest.fixture
def known_until_2026(monkeypatch, db):
    """Simulate a machine whose chinesecalendar knows years up to 2026 and where no later year is declared,
    whatever the installed release and the date the suite runs on."""
    from filing import workdays
    from filing.models import CalendarYear

    monkeypatch.setattr(workdays, "_package_knows", lambda year: year <= 2026)
    CalendarYear.objects.filter(year__gt=2026).delete()


@pytest.fixture
def on_postgres(settings):
    """Skips in the SQLite run. `make test` always repeats the suite on PostgreSQL, and in CI a missing
    PostgreSQL fails `make test` itself, so these tests cannot be skipped silently there."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the second run of `make test`); SQLite has no row locks")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(os.path.exists(path), "Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture
def roles(db):
    """The role Groups, built by the same service as `manage.py setup_roles`."""
    from filing.models import District, EligibilityRule, Occupation, OccupationLevel, StaffingRule, WorkType
    from filing.reference.loader import load_districts, load_evaluation_defaults, load_occupations
    from filing.services.roles import setup_roles

    # transaction=True tests flush the tables that migrations filled; reload (idempotent).
    if not District.objects.exists():
        load_districts(District)
        load_occupations(Occupation, WorkType, OccupationLevel)
        load_evaluation_defaults(StaffingRule, EligibilityRule)
    return setup_roles()


@pytest.fixture
def college(roles):
    return factories.organisation(district_code="310115", name="浦江测试技师学院")


@pytest.fixture
def other_college_same_district(roles):
    return factories.organisation(district_code="310115", name="浦东另一所技师学院")


@pytest.fixture
def college_other_district(roles):
    return factories.organisation(district_code="310104", name="徐汇测试技师学院")


@pytest.fixture
def applicant(college):
    return factories.user("applicant", role=Role.APPLICANT, organisation=college)


@pytest.fixture
def legal_rep(college):
    return factories.user("legalrep", role=Role.LEGAL_REPRESENTATIVE, organisation=college)


@pytest.fixture
def body_operator(college):
    return factories.user("operator", role=Role.BODY_OPERATOR, organisation=college)


@pytest.fixture
def district_reviewer(roles):
    return factories.user("district_pd", role=Role.DISTRICT_REVIEWER, district_code="310115")


@pytest.fixture
def district_lead(roles):
    return factories.user(
        "district_pd_lead", role=Role.DISTRICT_REVIEWER, district_code="310115", is_unit_lead=True
    )


@pytest.fixture
def other_district_reviewer(roles):
    return factories.user("district_xh", role=Role.DISTRICT_REVIEWER, district_code="310104")


@pytest.fixture
def municipal_reviewer(roles):
    return factories.user("municipal", role=Role.MUNICIPAL_REVIEWER)


@pytest.fixture
def municipal_lead(roles):
    return factories.user("municipal_lead", role=Role.MUNICIPAL_REVIEWER, is_unit_lead=True)


@pytest.fixture
def experts(roles):
    return [factories.user(f"expert{i}", role=Role.EXPERT) for i in range(1, 5)]


@pytest.fixture
def expert(experts):
    return experts[0]


@pytest.fixture
def auditor(roles):
    return factories.user("auditor", role=Role.AUDITOR)


@pytest.fixture
def administrator(roles):
    return factories.user("admin", role=Role.ADMINISTRATOR)


@pytest.fixture
def outsider(db):
    """A logged-in user with no role at all."""
    return factories.user("outsider")


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_teardown(django_db_setup, django_db_blocker):
    """Live-server threads, Playwright's greenlet and worker subprocesses can leave a connection to the test
    database open; on PostgreSQL that stops the database from being dropped at the end of the session.
    Close ours and end any other session on the test database before pytest-django drops it."""
    yield
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()
