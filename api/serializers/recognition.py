"""直接认定 and 以赛促评 over the API: a worker's evidence, the competition register with its results and
promotion decisions (masked ID numbers only), the promotion rules, and the inputs of their services."""

from rest_framework import serializers

from filing.models import CompetitionLevel
from filing.validators import DocumentType
from workflows.serializers import StrictInput, id_field

__all__ = [
    "CompetitionCreateSerializer",
    "CompetitionSerializer",
    "CompetitionResultSerializer",
    "EvidenceInputSerializer",
    "EvidenceSerializer",
    "PromotionRuleSerializer",
    "RecognitionInputSerializer",
    "ResultsUploadSerializer",
]

TEXT = {"max_length": 4000, "required": False, "allow_blank": True}


class EvidenceSerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="registration_id")
    name = serializers.CharField(source="registration.candidate.name")
    document = serializers.CharField(source="registration.candidate.document_masked")
    status = serializers.CharField(source="registration.status")
    employee_number = serializers.CharField()
    post = serializers.CharField()
    years_in_occupation = serializers.IntegerField(allow_null=True)
    achievements = serializers.CharField()
    awards = serializers.CharField()
    patents = serializers.CharField()
    problems_solved = serializers.CharField()
    apprentices = serializers.CharField()
    work_sample = serializers.CharField()


class EvidenceInputSerializer(StrictInput):
    post = serializers.CharField(max_length=60)
    employee_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    years_in_occupation = serializers.IntegerField(
        min_value=0, max_value=70, required=False, allow_null=True, help_text="for reference only"
    )
    achievements = serializers.CharField(max_length=4000)
    awards = serializers.CharField(**TEXT)
    patents = serializers.CharField(**TEXT)
    problems_solved = serializers.CharField(**TEXT)
    apprentices = serializers.CharField(**TEXT)
    work_sample = serializers.CharField(**TEXT)


class RecognitionInputSerializer(EvidenceInputSerializer):
    name = serializers.CharField(max_length=60)
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    document_number = serializers.CharField(max_length=40)
    contact = serializers.CharField(max_length=80, required=False, allow_blank=True)


class PromotionRuleSerializer(serializers.Serializer):
    competition_level = serializers.CharField()
    top_ranks = serializers.IntegerField(allow_null=True)
    top_percent = serializers.IntegerField(allow_null=True)
    steps = serializers.IntegerField()
    highest_level = serializers.IntegerField()
    level_without_certificate = serializers.IntegerField(allow_null=True)
    per_person_per_year = serializers.IntegerField()
    basis = serializers.CharField()


class CompetitionResultSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField(source="candidate.name")
    document = serializers.CharField(source="candidate.document_masked")
    award = serializers.CharField()
    promoted = serializers.BooleanField(source="decision.promoted", allow_null=True, default=None)
    from_level = serializers.IntegerField(source="decision.from_level", allow_null=True, default=None)
    to_level = serializers.IntegerField(source="decision.to_level", allow_null=True, default=None)
    reason = serializers.CharField(source="decision.reason", allow_null=True, default=None)
    checks = serializers.JSONField(source="decision.checks", allow_null=True, default=None)
    registration = serializers.IntegerField(source="decision.registration_id", allow_null=True, default=None)


class CompetitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.IntegerField(source="body_id")
    name = serializers.CharField()
    level = serializers.CharField()
    organiser = serializers.CharField()
    occupation = serializers.CharField(source="occupation.code")
    held_on = serializers.DateField()
    participants = serializers.IntegerField()
    status = serializers.CharField()
    results_report = serializers.JSONField()


class CompetitionCreateSerializer(StrictInput):
    body = id_field()
    name = serializers.CharField(max_length=120)
    level = serializers.ChoiceField(choices=CompetitionLevel.choices)
    organiser = serializers.CharField(max_length=120)
    occupation = serializers.CharField(max_length=11, help_text="occupation code, e.g. 6-18-01-01")
    held_on = serializers.DateField()
    participants = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ResultsUploadSerializer(StrictInput):
    file = serializers.FileField()
