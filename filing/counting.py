"""What a count means, defined once for every figure that counts (statistics, the dashboard, the
indicators, the supervision page's pass rates)."""

from __future__ import annotations

from django.db.models import QuerySet

from filing.models import Certificate, CertificateStatus, Registration, RegistrationStatus

#: A registration with a result that counts in a pass rate, and those that passed.
DECIDED = [RegistrationStatus.PASSED, RegistrationStatus.CERTIFIED, RegistrationStatus.FAILED]
PASSED = [RegistrationStatus.PASSED, RegistrationStatus.CERTIFIED]


def counted_certificates() -> QuerySet:
    """The certificates a count means: each certificate once, in its current version (a corrected one is
    counted as its correction; revoked ones stay counted as issued)."""
    return Certificate.objects.exclude(status=CertificateStatus.SUPERSEDED)


def decided_registrations() -> QuerySet:
    return Registration.objects.filter(status__in=DECIDED)


def rate(passed: int, decided: int) -> float | None:
    return round(100 * passed / decided, 1) if decided else None
