"""`seed_demo` (what `make run` loads) works through the real services and is idempotent."""

import pytest
from django.core.management import call_command

from filing.models import ApplicationStatus, EvaluationBody, EvaluationPlan, FilingApplication, PlanStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_twice(client):
    call_command("seed_demo")
    call_command("seed_demo")
    statuses = sorted(FilingApplication.objects.values_list("status", flat=True))
    assert statuses == sorted([ApplicationStatus.FILED, ApplicationStatus.SUBMITTED])
    assert EvaluationBody.objects.count() == 1
    assert EvaluationPlan.objects.get().status == PlanStatus.REGISTRATION_OPEN
    login = client.post("/accounts/login/", {"username": "district_xh", "password": "Demo@2026"})
    assert login.status_code == 302, login.content.decode()[:500]
    inbox = client.get("/tasks/")
    assert "区级受理" in inbox.content.decode()
