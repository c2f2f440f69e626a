"""Coverage of a college's majors (实现院校专业全覆盖): for each major, how its graduating students can
be certified — by the college's own filed line (课证融通), through a partner agreement, or not at all
(and why)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filing.models import (
    BodyStatus,
    FiledLine,
    FiledLineStatus,
    Major,
    MajorRelation,
    Organisation,
    PartnerAgreement,
)

OWN, PARTNER, UNCOVERED = "own", "partner", "uncovered"
LABELS = {
    OWN: gettext_lazy("本校备案（课证融通）"),
    PARTNER: gettext_lazy("合作机构评价"),
    UNCOVERED: gettext_lazy("未覆盖"),
}


@dataclass(frozen=True)
class MajorCoverage:
    major: Major
    status: str
    via: str
    reason: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.status]


def coverage_for(organisation: Organisation, on: datetime.date | None = None) -> list[MajorCoverage]:
    return coverage_for_many([organisation], on)[organisation.pk]


def coverage_for_many(organisations, on: datetime.date | None = None) -> dict[int, list[MajorCoverage]]:
    """The coverage of each organisation's majors, in a fixed number of queries however many there are
    (the city's page and the dashboard read every college at once)."""
    on = on or timezone.localdate()
    ids = [org.pk for org in organisations]
    majors = list(
        Major.objects.filter(organisation_id__in=ids)
        .prefetch_related("occupation_links__occupation")
        .order_by("organisation_id", "code")
    )
    own_lines = list(
        FiledLine.objects.filter(
            body__organisation_id__in=ids,
            body__status=BodyStatus.ACTIVE,
            status=FiledLineStatus.ACTIVE,
            effective_from__lte=on,
        ).select_related("body", "offering__occupation", "offering__work_type")
    )
    agreements = list(
        PartnerAgreement.objects.in_force(on)
        .filter(school_id__in=ids, partner__status=BodyStatus.ACTIVE)
        .prefetch_related("offerings__occupation")
        .select_related("partner")
    )
    result: dict[int, list[MajorCoverage]] = {pk: [] for pk in ids}
    for major in majors:
        org_id = major.organisation_id
        result[org_id].append(
            _major_coverage(
                major,
                [line for line in own_lines if line.body.organisation_id == org_id],
                [a for a in agreements if a.school_id == org_id],
            )
        )
    return result


def _major_coverage(major: Major, own_lines: list, agreements: list) -> MajorCoverage:
    occupations = {link.occupation_id: link for link in major.occupation_links.all()}
    if not occupations:
        return MajorCoverage(major, UNCOVERED, "", _("专业尚未对应任何职业（工种）"))
    own = [line for line in own_lines if line.offering.occupation_id in occupations]
    own.sort(key=lambda line: occupations[line.offering.occupation_id].relation != MajorRelation.SAME)
    if own:
        return MajorCoverage(major, OWN, str(own[0].offering))
    partner = [(a, o) for a in agreements for o in a.offerings.all() if o.occupation_id in occupations]
    if partner:
        agreement, offering = partner[0]
        return MajorCoverage(
            major,
            PARTNER,
            _("%(partner)s：%(offering)s（协议%(number)s）")
            % {
                "partner": agreement.partner.name,
                "offering": offering,
                "number": agreement.agreement_no,
            },
        )
    names = "、".join(link.occupation.name for link in occupations.values())
    reason = _("对应职业（%(names)s）既未备案，也无合作机构已确认且在有效期内的合作协议") % {"names": names}
    return MajorCoverage(major, UNCOVERED, "", reason)


@dataclass(frozen=True)
class CollegeSummary:
    organisation: Organisation
    majors: int
    covered_majors: int
    students: int
    covered_students: int

    @property
    def share(self) -> float:
        return round(100 * self.covered_students / self.students, 1) if self.students else 0.0


def summarise(organisation: Organisation, rows: list[MajorCoverage]) -> CollegeSummary:
    covered = [r for r in rows if r.status != UNCOVERED]
    return CollegeSummary(
        organisation,
        len(rows),
        len(covered),
        sum(r.major.graduating_students for r in rows),
        sum(r.major.graduating_students for r in covered),
    )


def colleges():
    """The colleges whose majors must be covered: new-type technician colleges that are schools."""
    return Organisation.objects.filter(is_new_type_college=True).exclude(kind="enterprise")


def city_coverage(on: datetime.date | None = None, organisations=None) -> list[CollegeSummary]:
    """Each college's summary (``organisations``: a queryset of colleges, all of them by default)."""
    orgs = list((colleges() if organisations is None else organisations).order_by("name"))
    rows = coverage_for_many(orgs, on)
    return [summarise(org, rows[org.pk]) for org in orgs]
