"""人人持证 (DOMAIN.md §8): the share of an enterprise's skilled-post staff who hold a valid certificate of
their post's occupation (any level), computed from the staff register and our register of certificates —
the one place this figure is computed (pages, export, API and the annual-task dashboard call it).

Rules, as of a day D:
- counted: staff on a 技能岗位 employed on D (入职日期 ≤ D, and no 离职日期 or one after D);
- holding: a certificate number of our register whose holder has the person's ID (keyed index), whose
  occupation is the post's, issued on or before D and not revoked on or before D. A correction or reissue
  keeps the number (the old version is superseded, the holding continues); a revocation ends it.
- by level: each holder counted once, at the highest level held.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from filing.models import Certificate, CertificateStatus, Level, Organisation, StaffMember


@dataclass(frozen=True)
class Share:
    staff: int
    certified: int

    @property
    def uncertified(self) -> int:
        return self.staff - self.certified

    @property
    def percent(self) -> float:
        return round(100 * self.certified / self.staff, 1) if self.staff else 0.0


@dataclass
class Holding:
    on: datetime.date
    total: Share
    departments: list[tuple[str, Share]] = field(default_factory=list)
    #: (level, label, holders at that highest level, share of the counted staff in percent)
    levels: list[tuple[int, str, int, float]] = field(default_factory=list)
    #: (person, highest level held or None), counted staff only, by department and 工号
    rows: list[tuple[StaffMember, int | None]] = field(default_factory=list)

    @property
    def without(self) -> list[StaffMember]:
        return [member for member, level in self.rows if level is None]


def _organisation_id(enterprise) -> int:
    if isinstance(enterprise, int):
        return enterprise
    if isinstance(enterprise, Organisation):
        return enterprise.pk
    return enterprise.organisation_id  # an evaluation body


def _skilled_staff(organisation_id: int, on: datetime.date) -> list[StaffMember]:
    """Everyone who was ever on a skilled post there and hired by ``on`` (filtered per day below)."""
    return list(
        StaffMember.objects.filter(organisation_id=organisation_id, skilled_post=True, hired_on__lte=on)
        .select_related("occupation")
        .order_by("department", "employee_number")
    )


def _certificates(members: list[StaffMember], on: datetime.date) -> list[dict]:
    return list(
        Certificate.objects.filter(
            document_index__in={m.document_index for m in members}, issue_date__lte=on
        ).values("number", "document_index", "occupation_code", "level", "status", "issue_date", "revoked_on")
    )


def _held(members: list[StaffMember], certificates: list[dict], on: datetime.date) -> dict[int, int | None]:
    """person pk → the highest level (lowest digit) of a certificate of the post's occupation held on
    ``on``, or None; for the staff employed on a skilled post on ``on`` only."""
    revoked = {
        c["number"]
        for c in certificates
        if c["status"] == CertificateStatus.REVOKED and (c["revoked_on"] is None or c["revoked_on"] <= on)
    }
    best: dict[tuple[str, str], int] = {}
    for c in certificates:
        if c["issue_date"] <= on and c["number"] not in revoked:
            key = (c["document_index"], c["occupation_code"])
            best[key] = min(best.get(key, 9), c["level"])
    return {
        m.pk: best.get((m.document_index, m.occupation.code)) if m.occupation else None
        for m in members
        if m.employed_on(on)
    }


def _share(held: dict[int, int | None], pks=None) -> Share:
    values = [level for pk, level in held.items() if pks is None or pk in pks]
    return Share(len(values), sum(1 for level in values if level is not None))


def certified_share(enterprise, on: datetime.date | None = None) -> Share:
    """The 人人持证 figure of an enterprise (an ``Organisation``, its evaluation body or its pk) on a day
    (today by default): skilled-post staff employed then, and how many held a valid certificate of their
    post's occupation then."""
    on = on or timezone.localdate()
    members = _skilled_staff(_organisation_id(enterprise), on)
    return _share(_held(members, _certificates(members, on), on))


def holding(enterprise, on: datetime.date | None = None) -> Holding:
    """The figure with its breakdown by department and by level, and each counted person's holding."""
    on = on or timezone.localdate()
    members = _skilled_staff(_organisation_id(enterprise), on)
    held = _held(members, _certificates(members, on), on)
    counted = [m for m in members if m.pk in held]
    departments: dict[str, set[int]] = {}
    for member in counted:
        departments.setdefault(member.department or "—", set()).add(member.pk)
    total = _share(held)
    levels = []
    for level in sorted(Level.values, reverse=True):
        holders = sum(1 for value in held.values() if value == level)
        percent = round(100 * holders / total.staff, 1) if total.staff else 0.0
        levels.append((level, str(Level(level).label), holders, percent))
    return Holding(
        on=on,
        total=total,
        departments=[(name, _share(held, pks)) for name, pks in sorted(departments.items())],
        levels=levels,
        rows=[(m, held[m.pk]) for m in counted],
    )


def month_ends(on: datetime.date, months: int) -> list[datetime.date]:
    """The last day of each of the ``months`` months ending with ``on``'s month (that month: ``on``)."""
    days = []
    year, month = on.year, on.month
    for _ in range(months):
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        days.append(min(last, on))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return days[::-1]


def trend(enterprise, on: datetime.date | None = None, months: int = 12) -> list[tuple[datetime.date, Share]]:
    """The figure as of each month end (staff employed then, certificates valid then): two queries."""
    on = on or timezone.localdate()
    members = _skilled_staff(_organisation_id(enterprise), on)
    certificates = _certificates(members, on)
    return [(day, _share(_held(members, certificates, day))) for day in month_ends(on, months)]
