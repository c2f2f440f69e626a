"""Serializers of organisations, applications, tasks, publicity and objections: outputs mirror what the
pages show (masked personal data only); inputs are the arguments of the service each endpoint calls."""

from __future__ import annotations

from rest_framework import serializers

from filing.models import (
    ApplicationKind,
    AttachmentKind,
    BodyCategory,
    Correction,
    FilingApplication,
    FilingLine,
    Major,
    Objection,
    Organisation,
)
from workflows.serializers import StrictInput, id_field


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class OrganisationSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name")

    class Meta:
        model = Organisation
        fields = ["id", "name", "uscc", "kind", "district", "is_new_type_college", "college_batch"]


class MajorSerializer(serializers.ModelSerializer):
    occupations = serializers.SerializerMethodField()

    class Meta:
        model = Major
        fields = ["id", "code", "name", "graduating_students", "occupations"]

    def get_occupations(self, obj) -> list[dict]:
        return [
            {"code": link.occupation.code, "name": link.occupation.name, "relation": link.relation}
            for link in obj.occupation_links.all()
        ]


class LineSerializer(serializers.ModelSerializer):
    occupation_code = serializers.CharField(source="offering.occupation.code")
    occupation_name = serializers.CharField(source="offering.occupation.name")
    work_type = serializers.SerializerMethodField()
    level = serializers.IntegerField(source="offering.level")
    majors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = FilingLine
        fields = [
            "id",
            "offering",
            "occupation_code",
            "occupation_name",
            "work_type",
            "level",
            "majors",
            "venue",
            "equipment",
            "evaluator_pool",
            "decision",
            "decision_reason",
        ]

    def get_work_type(self, obj) -> str:
        return obj.offering.work_type.name if obj.offering.work_type_id else "--"


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class CorrectionSerializer(serializers.ModelSerializer):
    """One return for correction: the ticked items, the deadline, and the applicant's answer."""

    class Meta:
        model = Correction
        fields = [
            "round",
            "step",
            "state",
            "deadline",
            "comment",
            "items",
            "requested_at",
            "responded_at",
            "response_comment",
        ]


class CorrectionChangeSerializer(serializers.Serializer):
    item = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class CorrectionRoundSerializer(CorrectionSerializer):
    changes = serializers.SerializerMethodField(
        help_text="for reviewers, on the last answered round: what the applicant changed"
    )

    class Meta(CorrectionSerializer.Meta):
        fields = [*CorrectionSerializer.Meta.fields, "changes"]

    def get_changes(self, obj) -> list[dict] | None:
        changes = self.context.get("changes", {}).get(obj.pk)
        return None if changes is None else CorrectionChangeSerializer(changes, many=True).data


class ApplicationSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    lines = LineSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()
    open_correction = serializers.SerializerMethodField(
        help_text="the return for correction waiting for the applicant, or null"
    )

    class Meta:
        model = FilingApplication
        fields = [
            "id",
            "number",
            "organisation",
            "organisation_name",
            "kind",
            "body_category",
            "status",
            "summary",
            "contact_name",
            "contact_phone",
            "version",
            "submitted_at",
            "publicity_starts_on",
            "publicity_ends_on",
            "closing_reason",
            "lines",
            "attachments",
            "open_correction",
        ]

    def get_open_correction(self, obj) -> dict | None:
        current = getattr(obj, "open_corrections", None)
        if current is None:  # a single application: one query
            current = list(obj.corrections.filter(state=Correction.State.OPEN).order_by("-round")[:1])
        return CorrectionSerializer(current[0]).data if current else None

    def get_attachments(self, obj) -> list[dict]:
        current = getattr(obj, "current_attachments", None)
        if current is None:  # a single application: one query
            current = obj.attachments.filter(superseded_at__isnull=True)
        return AttachmentSerializer(current, many=True).data


class ApplicationCreateSerializer(StrictInput):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    kind = serializers.ChoiceField(choices=ApplicationKind.choices)
    body_category = serializers.ChoiceField(choices=BodyCategory.choices, default=BodyCategory.EMPLOYER)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    contact_name = serializers.CharField(max_length=40)
    contact_phone = serializers.CharField(max_length=30)


class ApplicationUpdateSerializer(StrictInput):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    contact_name = serializers.CharField(required=False, max_length=40)
    contact_phone = serializers.CharField(required=False, max_length=30)


class LineInputSerializer(StrictInput):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    offering = id_field(required=False, help_text="OccupationLevel id (new lines only)")
    majors = serializers.ListField(child=id_field(), required=False, default=list, max_length=200)
    venue = serializers.CharField(max_length=2000, required=False)
    equipment = serializers.CharField(max_length=2000, required=False)
    evaluator_pool = serializers.CharField(max_length=2000, required=False)


class RevocationRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    certificate = serializers.IntegerField(source="certificate_id")
    number = serializers.CharField(source="certificate.number")
    status = serializers.CharField()
    reason = serializers.CharField()
    authority = serializers.CharField()
    requested_at = serializers.DateTimeField()


class AttachmentVersionSerializer(AttachmentSerializer):
    """One file of the version history: current, replaced (by which) or removed."""

    state = serializers.SerializerMethodField()
    superseded_at = serializers.DateTimeField(allow_null=True)
    replaced_by = serializers.IntegerField(source="replaced_by_id", allow_null=True)
    removed_at = serializers.DateTimeField(allow_null=True)

    def get_state(self, obj) -> str:
        return "removed" if obj.removed_at else "replaced" if obj.superseded_at else "current"


class AttachmentReplaceSerializer(StrictInput):
    file = serializers.FileField()


class AttachmentUploadSerializer(StrictInput):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    file = serializers.FileField()


class ReasonSerializer(StrictInput):
    reason = serializers.CharField(max_length=5000, allow_blank=True)


class VersionInput(StrictInput):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class WithdrawInput(StrictInput):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    reason = serializers.CharField(max_length=5000, allow_blank=True)


class EmptyInput(StrictInput):
    """An action that takes no input."""


class CertificateActionSerializer(StrictInput):
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    authority = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CommentSerializer(StrictInput):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    comment = serializers.CharField(max_length=5000, allow_blank=True)


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    application = serializers.IntegerField(allow_null=True)
    plan = serializers.IntegerField(allow_null=True)


class TransferSerializer(StrictInput):
    to_user = id_field()
    reason = serializers.CharField(max_length=2000)


class PublicityLineSerializer(serializers.Serializer):
    occupation_code = serializers.CharField()
    occupation_name = serializers.CharField()
    work_type = serializers.CharField()
    level = serializers.IntegerField()


class PublicitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField()
    district = serializers.CharField()
    kind = serializers.CharField()
    publicity_starts_on = serializers.DateField()
    publicity_ends_on = serializers.DateField()
    lines = PublicityLineSerializer(many=True)


class ObjectionInputSerializer(StrictInput):
    name = serializers.CharField(max_length=60)
    contact = serializers.CharField(max_length=80, help_text="e-mail address or mainland mobile number")
    text = serializers.CharField(max_length=5000)


class ChallengeSerializer(serializers.Serializer):
    challenge = serializers.IntegerField(source="pk")
    sent_to = serializers.CharField(source="contact_masked")
    expires_at = serializers.DateTimeField()


class ObjectionConfirmSerializer(StrictInput):
    challenge = id_field()
    code = serializers.CharField(max_length=12)


class ObjectionDecisionInput(StrictInput):
    upheld = serializers.BooleanField()
    reason = serializers.CharField(max_length=5000, allow_blank=True)


class ObjectionTriageInput(StrictInput):
    objections = serializers.ListField(child=id_field(), min_length=1, max_length=500)
    reason = serializers.CharField(max_length=5000, allow_blank=True)


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "state", "submitted_at"]


class ObjectionReviewSerializer(serializers.ModelSerializer):
    """What the authority sees of an objection (the applicant never sees who objected)."""

    class Meta:
        model = Objection
        fields = ["id", "name", "contact", "verified_by", "text", "state", "submitted_at", "decision_reason"]
