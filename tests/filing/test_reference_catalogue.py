"""The shipped occupation catalogue (issue #2): at least 20 occupations of the 大典, each code well-formed and
unique, each entry naming where its code was found, levels and work types loaded as offerings."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from filing.demo import ORGS
from filing.models import Occupation, OccupationLevel, WorkType
from filing.reference.loader import parts_for

CATALOGUE = json.loads(
    (Path(__file__).resolve().parents[2] / "filing" / "reference" / "occupations.json").read_text(
        encoding="utf-8"
    )
)
CODE = re.compile(r"^[1-8]-\d{2}-\d{2}-\d{2}$")


def test_catalogue_has_twenty_sourced_occupations_with_unique_codes():
    assert len(CATALOGUE) >= 20
    codes = [row["code"] for row in CATALOGUE]
    assert len(set(codes)) == len(codes)
    for row in CATALOGUE:
        assert CODE.match(row["code"]), row["code"]
        assert row["name"] and row["standard"]
        assert row["source"].strip(), f"{row['code']} has no source"
        assert set(row["levels"]) <= {1, 2, 3, 4, 5} and row["levels"]
        for wt in row["work_types"]:
            assert set(wt["levels"]) <= set(row["levels"]), (row["code"], wt["name"])


@pytest.mark.django_db
def test_every_entry_is_loaded_with_its_levels_and_work_types():
    for row in CATALOGUE:
        occupation = Occupation.objects.get(code=row["code"])
        assert occupation.name == row["name"]
        assert occupation.source
        if row["work_types"]:
            for wt in row["work_types"]:
                work_type = WorkType.objects.get(occupation=occupation, name=wt["name"])
                levels = set(
                    OccupationLevel.objects.filter(occupation=occupation, work_type=work_type).values_list(
                        "level", flat=True
                    )
                )
                assert levels == set(wt["levels"])
        else:
            offerings = OccupationLevel.objects.filter(occupation=occupation, work_type=None)
            assert {o.level for o in offerings} == set(row["levels"])
            for offering in offerings:
                assert offering.parts == parts_for(offering.level)


@pytest.mark.django_db
def test_platform_manager_work_type_stops_at_level_three():
    """互联网营销师: 平台管理员 is offered at levels 5–3 only, the other work types at all five."""
    occupation = Occupation.objects.get(code="4-01-02-07")
    manager = WorkType.objects.get(occupation=occupation, name="平台管理员")
    assert sorted(OccupationLevel.objects.filter(work_type=manager).values_list("level", flat=True)) == [
        3,
        4,
        5,
    ]
    assert WorkType.objects.filter(occupation=occupation).count() == 4


@pytest.mark.django_db
def test_load_reference_is_idempotent():
    before = (Occupation.objects.count(), WorkType.objects.count(), OccupationLevel.objects.count())
    call_command("load_reference")
    call_command("load_reference")
    assert (Occupation.objects.count(), WorkType.objects.count(), OccupationLevel.objects.count()) == before


def test_every_demo_major_points_at_a_shipped_occupation():
    shipped = {row["code"] for row in CATALOGUE}
    for org in ORGS:
        for _code, _name, _students, links in org.majors:
            for occupation_code, relation in links:
                assert occupation_code in shipped, (org.name, occupation_code)
                assert relation in {"same", "related"}
