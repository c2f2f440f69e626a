"""Fixtures of the filing service tests: the cast of an application's life, and a few more experts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from filing.roles import Role
from filing.services import publicity as publicity_svc
from tests import factories
from tests.filing.lifecycle import S, reach


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are created with passwords; the default PBKDF2 costs ~0.2 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(
    college,
    other_college_same_district,
    applicant,
    legal_rep,
    body_operator,
    district_reviewer,
    district_lead,
    other_district_reviewer,
    municipal_reviewer,
    municipal_lead,
    experts,
    auditor,
    outsider,
):
    other_applicant = factories.user(
        "other_applicant", role=Role.APPLICANT, organisation=other_college_same_district
    )
    return SimpleNamespace(
        college=college,
        applicant=applicant,
        legal_rep=legal_rep,
        body_operator=body_operator,
        d1=district_reviewer,
        d2=district_lead,
        other_district_reviewer=other_district_reviewer,
        m1=municipal_reviewer,
        m2=municipal_lead,
        experts=experts,
        expert=experts[0],
        auditor=auditor,
        outsider=outsider,
        other_applicant=other_applicant,
    )


@pytest.fixture
def more_experts(roles):
    return [factories.user(f"expert_extra{i}", role=Role.EXPERT) for i in range(1, 4)]


@pytest.fixture
def objected(cast):
    app = reach(cast, S.PUBLICITY)
    objection = publicity_svc.objection_file(
        application=app, name="张三", contact="13800000000", text="场地不符"
    )
    return app, objection
