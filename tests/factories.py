"""Factories for tests: plain functions over the real services (no mock database)."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from filing.models import District, Major, MajorOccupation, Occupation, Organisation
from filing.services.roles import membership_grant

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
