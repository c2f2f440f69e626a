"""Serializers: outputs mirror what the pages show (masked personal data only); inputs are the arguments
of the service each endpoint calls."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from filing.models import (
    ApplicationKind,
    AssessmentPart,
    AttachmentKind,
    BodyCategory,
    Certificate,
    Correction,
    EvaluationBody,
    EvaluationPlan,
    FiledLine,
    FilingApplication,
    FilingLine,
    IssuanceBatch,
    Major,
    NationalReport,
    Objection,
    OccupationLevel,
    Organisation,
    Registration,
    ReportState,
    RosterImport,
    Sitting,
)
from filing.services.issuance import progress
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


class SittingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sitting
        fields = ["id", "part", "starts_at", "ends_at", "room", "candidates_expected"]


class SittingInputSerializer(StrictInput):
    part = serializers.ChoiceField(choices=AssessmentPart.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    room = serializers.CharField(max_length=60)
    candidates_expected = serializers.IntegerField(min_value=1, max_value=100_000)


class PlanSerializer(serializers.ModelSerializer):
    body_code = serializers.CharField(source="body.code", read_only=True)
    offering = serializers.CharField(source="line.offering", read_only=True)
    sittings = SittingSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationPlan
        fields = [
            "id",
            "title",
            "status",
            "body",
            "body_code",
            "line",
            "offering",
            "expected_headcount",
            "first_sitting_on",
            "results_publicity_ends_on",
            "sittings",
        ]


class PlanCreateSerializer(StrictInput):
    line = id_field(help_text="FiledLine id")
    title = serializers.CharField(max_length=120)
    expected_headcount = serializers.IntegerField(min_value=1, max_value=100_000)
    first_sitting_on = serializers.DateField()


class RegistrationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="candidate.name")
    document = serializers.CharField(source="candidate.document_masked")
    major = serializers.CharField(source="major.name", allow_null=True, default=None)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "row_number",
            "name",
            "document",
            "major",
            "class_name",
            "status",
            "ineligible_reason",
            "eligibility",
            "scores",
        ]

    def get_scores(self, obj) -> dict:
        return {s.part: (None if s.score is None else str(s.score)) for s in obj.scores.all()}


class ScoreInputSerializer(StrictInput):
    registration = id_field()
    part = serializers.ChoiceField(choices=AssessmentPart.choices)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
    absent = serializers.BooleanField(default=False)
    disqualified = serializers.BooleanField(default=False)


class RosterImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterImport
        fields = ["id", "outcome", "rows", "file_name", "sha256", "uploaded_at", "report"]


class RosterUploadSerializer(StrictInput):
    file = serializers.FileField()


class BatchSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = IssuanceBatch
        fields = [
            "id",
            "plan",
            "idempotency_key",
            "state",
            "total",
            "issued",
            "progress",
            "issue_date",
            "error",
        ]

    def get_progress(self, obj) -> int:
        return progress(obj)


class BatchRequestSerializer(StrictInput):
    idempotency_key = serializers.CharField(
        max_length=80, required=False, help_text="or the Idempotency-Key header; one of the two is required"
    )
    issue_date = serializers.DateField(required=False)


class CertificateSerializer(serializers.ModelSerializer):
    report_state = serializers.ChoiceField(choices=ReportState.choices, read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "version",
            "status",
            "holder_name",
            "document_type",
            "document_masked",
            "occupation_code",
            "occupation_name",
            "work_type",
            "level",
            "level_label",
            "body_name",
            "issue_date",
            "print_serial",
            "revoked_on",
            "revoked_reason",
            "report_state",
        ]


class CertificateVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certificate
        fields = ["id", "version", "status", "issue_date", "print_serial", "revoked_on"]


class CertificateDetailSerializer(CertificateSerializer):
    verification_url = serializers.SerializerMethodField(help_text="what the QR code on the paper carries")
    versions = serializers.SerializerMethodField()

    class Meta(CertificateSerializer.Meta):
        fields = [*CertificateSerializer.Meta.fields, "verification_url", "versions"]

    def get_verification_url(self, obj) -> str:
        from filing.pdf import verification_url

        return verification_url(obj)

    def get_versions(self, obj) -> list[dict]:
        rows = Certificate.objects.filter(number=obj.number).order_by("version")
        return CertificateVersionSerializer(rows, many=True).data


class NationalReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = NationalReport
        fields = ["id", "created_at", "rows", "state", "content"]


class VerifyInput(StrictInput):
    number = serializers.CharField(max_length=40, label=_("证书编号"))
    name = serializers.CharField(max_length=60, label=_("持证人姓名"))


class VerifyBulkInput(StrictInput):
    items = serializers.ListField(child=VerifyInput(), min_length=1, max_length=20)


class StatisticsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    n = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField()
    revoked = serializers.IntegerField()
    by_body = StatisticsRowSerializer(many=True)
    by_occupation = StatisticsRowSerializer(many=True)
    by_level = StatisticsRowSerializer(many=True)
    by_month = StatisticsRowSerializer(many=True)


class VerificationSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    number = serializers.CharField(required=False)
    holder = serializers.CharField(required=False)
    occupation = serializers.CharField(required=False)
    work_type = serializers.CharField(required=False)
    level = serializers.CharField(required=False)
    body = serializers.CharField(required=False)
    issue_date = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    status_text = serializers.CharField(required=False)
    revoked_on = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="the version this answer is about")
    print_serial = serializers.IntegerField(required=False, help_text="印制序号 of that version's paper")
    current_version = serializers.IntegerField(
        required=False, help_text="the valid version of the number (differs when this one is superseded)"
    )


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="cursor: pass the last one as ?after=")
    event = serializers.UUIDField()
    type = serializers.CharField(help_text="notification kind, e.g. returned, filed, certificates_issued")
    version = serializers.IntegerField(help_text="payload layout version of this feed")
    created_at = serializers.DateTimeField()
    payload = serializers.DictField(help_text="identifiers and public facts only")
    link = serializers.CharField(allow_blank=True)


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next = serializers.IntegerField(help_text="the ?after= of the next call")
    has_more = serializers.BooleanField()


class OfferingSerializer(serializers.ModelSerializer):
    """An occupation level that the standard defines (a filing line is one of these), with its parts."""

    occupation_code = serializers.CharField(source="occupation.code")
    occupation_name = serializers.CharField(source="occupation.name")
    work_type = serializers.CharField(source="work_type.name", default=None)
    level_name = serializers.CharField(source="get_level_display")

    class Meta:
        model = OccupationLevel
        fields = ["id", "occupation_code", "occupation_name", "work_type", "level", "level_name", "parts"]


class FiledLineSerializer(serializers.ModelSerializer):
    """A filed line of a body: what a plan is made for (``line`` of ``POST /plans/``)."""

    offering = OfferingSerializer()

    class Meta:
        model = FiledLine
        fields = ["id", "offering", "status", "effective_from"]


class BodySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    code = serializers.CharField()
    lines = FiledLineSerializer(many=True)

    class Meta:
        model = EvaluationBody
        fields = [
            "id",
            "code",
            "name",
            "category",
            "status",
            "filed_on",
            "organisation",
            "organisation_name",
            "lines",
        ]


class ExpertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
