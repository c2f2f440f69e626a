"""Serializers of plans, rosters, certificates, verification, events and reference lists: outputs mirror
what the pages show (masked personal data only); inputs are the arguments of the service each endpoint
calls."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from filing.models import (
    AssessmentPart,
    Certificate,
    EvaluationBody,
    EvaluationPlan,
    FiledLine,
    IssuanceBatch,
    NationalReport,
    OccupationLevel,
    PlanMethod,
    Registration,
    ReportState,
    RosterImport,
    Sitting,
)
from filing.services.issuance import progress
from workflows.serializers import StrictInput, id_field


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
            "photos_waived",
            "method",
            "competition",
            "results_publicity_ends_on",
            "sittings",
        ]


class PlanCreateSerializer(StrictInput):
    line = id_field(help_text="FiledLine id")
    title = serializers.CharField(max_length=120)
    expected_headcount = serializers.IntegerField(min_value=1, max_value=100_000)
    first_sitting_on = serializers.DateField()
    photos_waived = serializers.BooleanField(
        default=False, help_text="免交照片: certificates may be issued without the holders' photos"
    )
    method = serializers.ChoiceField(choices=PlanMethod.choices, default=PlanMethod.EXAM)
    competition = id_field(required=False, allow_null=True, help_text="以赛促评 only: a decided competition")


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


class PhotoUploadSerializer(StrictInput):
    photo = serializers.FileField(help_text="JPEG or PNG, at most 2 MB; re-encoded without its metadata")


class PhotoSerializer(serializers.Serializer):
    registration = serializers.IntegerField()
    photo_on_file = serializers.BooleanField()


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
    """A report's facts; its content is only the sealed file (``file/``), never in JSON."""

    class Meta:
        model = NationalReport
        fields = ["id", "created_at", "rows", "state", "acknowledged_at", "sha256"]


class NationalAnswersUploadSerializer(StrictInput):
    file = serializers.FileField(label=_("反馈文件"))


class NationalAnswersResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    reports = serializers.ListField(child=serializers.IntegerField())


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
        fields = [
            "id",
            "occupation",
            "occupation_code",
            "occupation_name",
            "work_type",
            "level",
            "level_name",
            "parts",
        ]


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
