"""Factories for tests: plain functions over the real services (no mock database)."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from filing.models import District, Major, MajorOccupation, Occupation, Organisation
from filing.services import attachments as attachments_svc
from filing.services.memberships import membership_grant

_counter = itertools.count(1)


def valid_uscc(seed: int) -> str:
    partial = f"12310000MB{seed:07d}"[:17]
    return partial + uscc.calc_check_digit(partial + "0")


def district(code: str = "310115") -> District:
    return District.objects.get(code=code)


def organisation(
    *,
    district_code: str = "310115",
    kind: str = "technician_school",
    name: str | None = None,
    new_type: bool = True,
    batch: int | None = 1,
) -> Organisation:
    n = next(_counter)
    return Organisation.objects.create(
        name=name or f"测试技师学院{n}",
        uscc=valid_uscc(n),
        kind=kind,
        district=district(district_code),
        is_new_type_college=new_type,
        college_batch=batch if new_type else None,
    )


def major(
    org: Organisation,
    *,
    code: str | None = None,
    name: str = "数控技术应用",
    students: int = 100,
    occupations: tuple[tuple[str, str], ...] = (("6-18-01-01", "same"),),
) -> Major:
    m = Major.objects.create(
        organisation=org, code=code or f"66{next(_counter):04d}", name=name, graduating_students=students
    )
    for occ_code, relation in occupations:
        MajorOccupation.objects.create(
            major=m, occupation=Occupation.objects.get(code=occ_code), relation=relation
        )
    return m


def user(
    username: str | None = None,
    *,
    role: str | None = None,
    organisation: Organisation | None = None,
    district_code: str | None = None,
    is_unit_lead: bool = False,
    password: str = "pw-Test-12345",
):
    User = get_user_model()
    u = User.objects.create_user(
        username=username or f"user{next(_counter)}", password=password, first_name=username or ""
    )
    if role:
        membership_grant(
            actor=None,
            user=u,
            role=role,
            organisation=organisation,
            district=district(district_code) if district_code else None,
            is_unit_lead=is_unit_lead,
        )
    return u


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "材料.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def offering(code: str = "6-18-01-01", level: int = 4):
    from filing.models import OccupationLevel

    return (
        OccupationLevel.objects.filter(occupation__code=code, level=level)
        .select_related("occupation", "work_type")
        .order_by("work_type__name")
        .first()
    )


def complete_draft(*, applicant, legal_rep, organisation, levels=(4, 3), kind="initial"):
    """A draft that passes every submission check: lines, required attachments, contact, commitment."""
    from filing.models import REQUIRED_ATTACHMENTS, AttachmentKind
    from filing.services import applications as svc

    application = svc.application_create(
        actor=applicant,
        organisation=organisation,
        kind=kind,
        summary="申请备案为评价机构",
        contact_name="王老师",
        contact_phone="021-50000000",
    )
    majors = list(organisation.majors.all()) or [major(organisation)]
    for level in levels:
        svc.line_add(
            actor=applicant,
            application=application,
            offering=offering(level=level),
            majors=majors,
            venue="数控实训中心 3 号楼",
            equipment="数控车床 20 台",
            evaluator_pool="考评员 12 名",
        )
    kinds = list(REQUIRED_ATTACHMENTS[kind])
    if organisation.is_school:
        kinds.append(AttachmentKind.CURRICULUM)
    for attachment_kind in kinds:
        attachments_svc.attachment_upload(
            actor=applicant, application=application, kind=attachment_kind, uploaded_file=pdf()
        )
    application.refresh_from_db()
    svc.application_sign_commitment(actor=legal_rep, application=application)
    application.refresh_from_db()
    return application


def filed_body(organisation, *, levels=(4, 3), code="6-18-01-01", category="Y", effective_from=None):
    """A filed evaluation body with active lines — the state a completed review leaves (see
    tests/workflows/test_review_journey.py for the real path)."""
    import datetime

    from filing.models import EvaluationBody, FiledLine, FilingApplication
    from filing.services.bodies import allocate_body_serial

    body = EvaluationBody.objects.create(
        organisation=organisation,
        category=category,
        serial=allocate_body_serial("31"),
        name=organisation.name,
        filed_on=effective_from or datetime.date(2025, 1, 2),
    )
    application = FilingApplication.objects.create(
        organisation=organisation,
        kind="initial",
        body_category=category,
        created_by=user(role="applicant", organisation=organisation),
    )
    for level in levels:
        FiledLine.objects.create(
            body=body,
            offering=offering(code, level),
            application=application,
            effective_from=effective_from or datetime.date(2025, 1, 2),
        )
    return body


def evaluator(
    name: str,
    *,
    supervisor: bool = False,
    organisation=None,
    body=None,
    occupation=None,
    level=None,
    valid_until=None,
):
    import datetime

    from filing.models import Evaluator

    return Evaluator.objects.create(
        name=name,
        certificate_no=f"KP{next(_counter):06d}",
        is_supervisor=supervisor,
        organisation=organisation or (body.organisation if body else None),
        body=body,
        occupation=occupation,
        level=level,
        valid_until=valid_until or datetime.date(2030, 12, 31),
    )


def citizen_id(seq: int, birth: str = "20050612", area: str = "310104") -> str:
    from stdnum.cn import ric

    body = f"{area}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def roster_csv(rows, encoding="utf-8") -> bytes:
    header = "姓名,证件类型,证件号码,专业代码,班级,预计毕业时间,是否全日制,就读院校统一社会信用代码\n"
    lines = [",".join(str(c) for c in row) for row in rows]
    return (header + "\n".join(lines) + "\n").encode(encoding)


def plan_with_results(
    body,
    *,
    passed: int,
    failed: int = 0,
    level: int = 4,
    title: str | None = None,
    first_sitting_on=None,
    photos: bool = True,
):
    """A plan whose results are confirmed, with ``passed`` passing registrations — built directly (bulk) so
    that large batches are cheap to set up. tests/filing/test_plans.py walks the real path. Every passing
    registration has a certificate photo (one small shared JPEG) unless ``photos=False``."""
    import datetime

    from filing import pii
    from filing.models import Candidate, EvaluationPlan, PlanStatus, Registration, RegistrationStatus

    operator = user(role="body_operator", organisation=body.organisation)
    line = body.lines.get(offering__level=level)
    plan = EvaluationPlan.objects.create(
        body=body,
        line=line,
        title=title or f"计划{next(_counter)}",
        expected_headcount=passed + failed,
        first_sitting_on=first_sitting_on or datetime.date(2026, 6, 1),
        created_by=operator,
        status=PlanStatus.RESULTS_CONFIRMED,
    )
    seed = next(_counter) * 100_000
    candidates = []
    for i in range(passed + failed):
        n = seed + i
        number = citizen_id(
            n % 1000,
            birth=f"{1990 + (n // 1000) % 15}{(n // 15000) % 12 + 1:02d}{(n // 180000) % 28 + 1:02d}",
        )
        candidates.append(
            Candidate(
                name=f"考生{n}",
                document_type="citizen_id",
                document_encrypted=pii.encrypt(number),
                document_index=pii.index("citizen_id", number),
                document_masked=pii.mask(number),
            )
        )
    Candidate.objects.bulk_create(candidates, batch_size=2000, ignore_conflicts=True)
    by_index = {
        c.document_index: c
        for c in Candidate.objects.filter(document_index__in=[c.document_index for c in candidates])
    }
    Registration.objects.bulk_create(
        [
            Registration(
                plan=plan,
                candidate=by_index[c.document_index],
                school=body.organisation,
                expected_graduation=datetime.date(2026, 6, 30),
                full_time=True,
                row_number=i + 2,
                status=RegistrationStatus.PASSED if i < passed else RegistrationStatus.FAILED,
            )
            for i, c in enumerate(candidates)
        ],
        batch_size=2000,
    )
    if photos:
        from filing.models import RegistrationPhoto

        token = pii.encrypt_bytes(photo_jpeg())
        RegistrationPhoto.objects.bulk_create(
            [
                RegistrationPhoto(registration=r, encrypted=token, sha256="factory", uploaded_by=operator)
                for r in plan.registrations.filter(status=RegistrationStatus.PASSED)
            ],
            batch_size=2000,
        )
    return plan, operator


def photo_jpeg(size=(60, 78), colour=(90, 130, 180), fmt="JPEG", **save) -> bytes:
    """A small photo-like picture: a coloured background with a light head-and-shoulders shape."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.3, h * 0.15, w * 0.7, h * 0.55), fill=(235, 205, 180))
    draw.rectangle((w * 0.15, h * 0.6, w * 0.85, h), fill=(40, 40, 60))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


TEST_CALENDAR_SOURCE = "测试数据：该年安排未随 chinesecalendar 发布，按周一至周五计（仅用于测试）"


def declare_wall_clock_years() -> None:
    """The suite must not depend on the date it runs on: services count working days from today, and near
    a year's end (or early in a year the installed chinesecalendar does not know yet) that would reach an
    undeclared year and be refused. Declare this year and the next, as test data, where the package does
    not know them. Tests about unknown years use ``known_until_2026``, which clears these rows."""
    import datetime

    from django.utils import timezone

    from filing.models import CalendarYear
    from filing.workdays import undeclared_years

    today = timezone.localdate()
    end_of_next_year = datetime.date(today.year + 1, 12, 31)
    for year in undeclared_years(today, horizon_days=(end_of_next_year - today).days):
        CalendarYear.objects.create(year=year, source=TEST_CALENDAR_SOURCE)
