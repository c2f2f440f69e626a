"""Serializers of the evaluator register (考评员库), sitting staffing and recusal declarations (回避声明):
outputs mirror the register and plan pages; inputs are the arguments of ``filing.services.staffing``."""

from __future__ import annotations

from rest_framework import serializers

from filing.models import Evaluator, Level, RecusalDeclaration, RecusalRelation, SittingStaff, StaffRole
from workflows.serializers import StrictInput, id_field

__all__ = [
    "EvaluatorSerializer",
    "EvaluatorCreateSerializer",
    "EvaluatorUpdateSerializer",
    "DeactivateSerializer",
    "StaffSerializer",
    "SittingStaffingSerializer",
    "StaffAssignSerializer",
    "StaffReplaceSerializer",
    "StaffCandidateSerializer",
    "RecusalSerializer",
    "RecusalInputSerializer",
]


class EvaluatorSerializer(serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", default=None, help_text="none: the city's pool")
    occupation_code = serializers.CharField(source="occupation.code", default=None)
    occupation_name = serializers.CharField(source="occupation.name", default=None)

    class Meta:
        model = Evaluator
        fields = [
            "id",
            "name",
            "certificate_no",
            "body",
            "body_name",
            "occupation",
            "occupation_code",
            "occupation_name",
            "level",
            "valid_until",
            "can_evaluate",
            "can_invigilate",
            "is_supervisor",
            "active",
            "version",
        ]


class _EvaluatorFields(StrictInput):
    name = serializers.CharField(max_length=40)
    certificate_no = serializers.CharField(max_length=40)
    occupation = id_field(required=False, allow_null=True, help_text="Occupation id (须登记 for evaluators)")
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_null=True)
    valid_until = serializers.DateField()
    can_evaluate = serializers.BooleanField(default=True)
    can_invigilate = serializers.BooleanField(default=True)
    is_supervisor = serializers.BooleanField(default=False)


class EvaluatorCreateSerializer(_EvaluatorFields):
    body = id_field(
        required=False,
        allow_null=True,
        help_text="EvaluationBody id of a body you operate; null (municipal reviewers): the city's pool",
    )


class EvaluatorUpdateSerializer(_EvaluatorFields):
    """Send the fields to change with ``version`` (the one you read: 409 when someone saved since)."""

    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False
                field.default = serializers.empty


class DeactivateSerializer(StrictInput):
    reason = serializers.CharField(max_length=500, help_text="停用理由")


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="evaluator.name")
    certificate_no = serializers.CharField(source="evaluator.certificate_no")

    class Meta:
        model = SittingStaff
        fields = ["id", "sitting", "evaluator", "name", "certificate_no", "role"]


class SittingStaffingSerializer(serializers.Serializer):
    """A sitting with its staff and what still stops it from starting (ratios, qualifications, recusals)."""

    id = serializers.IntegerField()
    part = serializers.CharField()
    starts_at = serializers.DateTimeField()
    room = serializers.CharField()
    candidates_expected = serializers.IntegerField()
    staff = StaffSerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())


class StaffAssignSerializer(StrictInput):
    sitting = id_field(help_text="a sitting of this plan")
    evaluator = id_field(help_text="Evaluator id from the body's pool or the city's")
    role = serializers.ChoiceField(choices=StaffRole.choices)


class StaffReplaceSerializer(StrictInput):
    evaluator = id_field(help_text="the person who takes the seat (same sitting, same role)")


class StaffCandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluator
        fields = ["id", "name", "certificate_no", "body", "occupation", "level", "valid_until"]


class RecusalSerializer(serializers.ModelSerializer):
    evaluator_name = serializers.CharField(source="evaluator.name")
    candidate_name = serializers.CharField(source="candidate.name")

    class Meta:
        model = RecusalDeclaration
        fields = ["id", "evaluator", "evaluator_name", "candidate", "candidate_name", "relation", "note"]


class RecusalInputSerializer(StrictInput):
    evaluator = id_field()
    registration = id_field(help_text="the candidate's registration in this plan (GET …/registrations/)")
    relation = serializers.ChoiceField(choices=RecusalRelation.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
