"""Serializers of partner agreements (合作评价协议) and coverage of majors (专业全覆盖): outputs mirror the
agreement and coverage pages; inputs are the arguments of ``filing.services.agreements``."""

from __future__ import annotations

from rest_framework import serializers

from filing.models import PartnerAgreement
from workflows.serializers import StrictInput, id_field

__all__ = [
    "AgreementSerializer",
    "AgreementCreateSerializer",
    "AgreementNoteSerializer",
    "AgreementReasonSerializer",
    "MajorCoverageSerializer",
    "CoverageSerializer",
    "CollegeCoverageSerializer",
    "CityCoverageSerializer",
]


class AgreementSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name")
    partner_name = serializers.CharField(source="partner.name")
    partner_code = serializers.CharField(source="partner.code")
    offerings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    in_force = serializers.SerializerMethodField(help_text="accepted and within its dates today")

    class Meta:
        model = PartnerAgreement
        fields = [
            "id",
            "agreement_no",
            "school",
            "school_name",
            "partner",
            "partner_name",
            "partner_code",
            "offerings",
            "valid_from",
            "valid_until",
            "status",
            "in_force",
            "created_at",
            "decided_at",
            "decision_note",
            "ended_at",
            "end_reason",
        ]

    def get_in_force(self, obj) -> bool:
        from django.utils import timezone

        return obj.is_in_force(timezone.localdate())


class AgreementCreateSerializer(StrictInput):
    school = id_field(
        required=False, help_text="your school's Organisation id (default: the first school you act for)"
    )
    partner = id_field(help_text="EvaluationBody id of the partner (GET /bodies/ for the city's reviewers)")
    agreement_no = serializers.CharField(max_length=60)
    offerings = serializers.ListField(child=id_field(), min_length=1, max_length=50, help_text="offering ids")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class AgreementNoteSerializer(StrictInput):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AgreementReasonSerializer(StrictInput):
    reason = serializers.CharField(max_length=500)


class MajorCoverageSerializer(serializers.Serializer):
    major = serializers.IntegerField(source="major.pk")
    code = serializers.CharField(source="major.code")
    name = serializers.CharField(source="major.name")
    students = serializers.IntegerField(source="major.graduating_students")
    status = serializers.ChoiceField(choices=["own", "partner", "uncovered"])
    label = serializers.CharField()
    via = serializers.CharField(allow_blank=True, help_text="the own line, or the partner and agreement")
    reason = serializers.CharField(allow_blank=True, help_text="why it is uncovered")


class CollegeCoverageSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_name = serializers.CharField(source="organisation.name")
    majors = serializers.IntegerField()
    covered_majors = serializers.IntegerField()
    students = serializers.IntegerField()
    covered_students = serializers.IntegerField()
    share = serializers.FloatField(help_text="covered students, per cent")


class CoverageSerializer(CollegeCoverageSerializer):
    on = serializers.DateField()
    rows = MajorCoverageSerializer(many=True)


class CityCoverageSerializer(serializers.Serializer):
    on = serializers.DateField()
    students = serializers.IntegerField()
    covered_students = serializers.IntegerField()
    share = serializers.FloatField()
    colleges = CollegeCoverageSerializer(many=True)
