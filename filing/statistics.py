"""Certificate statistics: by college, occupation, level and month."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import TruncMonth

from filing.models import Certificate, CertificateStatus


def certificate_statistics(year: int | None = None) -> dict:
    qs = Certificate.objects.exclude(status=CertificateStatus.SUPERSEDED)
    if year:
        qs = qs.filter(issue_date__year=year)
    return {
        "total": qs.count(),
        "revoked": qs.filter(status=CertificateStatus.REVOKED).count(),
        "by_body": list(qs.values("body_name").annotate(n=Count("id")).order_by("-n", "body_name")),
        "by_occupation": list(
            qs.values("occupation_code", "occupation_name").annotate(n=Count("id")).order_by("-n")
        ),
        "by_level": list(qs.values("level_label").annotate(n=Count("id")).order_by("level_label")),
        "by_month": list(
            qs.annotate(month=TruncMonth("issue_date"))
            .values("month")
            .annotate(n=Count("id"))
            .order_by("month")
        ),
    }
