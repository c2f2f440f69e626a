"""Evaluation bodies: the public catalogue (public facts only), the supervision record, and the one input
every supervision action takes (each action uses the fields it names: ``filing.services.body_actions``)."""

from rest_framework import serializers

from workflows.serializers import StrictInput

__all__ = [
    "CatalogueLineSerializer",
    "BodyDecisionSerializer",
    "CatalogueBodySerializer",
    "RectificationSerializer",
    "SupervisedBodySerializer",
    "SupervisionActionSerializer",
    "SupervisionReportInput",
    "SupervisionReportSerializer",
    "PublishedCheckSerializer",
    "PublishedDrawSerializer",
]


class CatalogueLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occupation_code = serializers.CharField(source="offering.occupation.code")
    occupation_name = serializers.CharField(source="offering.occupation.name")
    work_type = serializers.SerializerMethodField()
    level = serializers.IntegerField(source="offering.level")
    level_label = serializers.CharField(source="offering.get_level_display")
    effective_from = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")

    def get_work_type(self, line) -> str:
        return line.offering.work_type.name if line.offering.work_type_id else "--"


class BodyDecisionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    line = serializers.IntegerField(source="line_id", allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reference = serializers.CharField()
    reason = serializers.CharField()
    decided_on = serializers.DateField()
    banned_until = serializers.DateField(allow_null=True)
    certificates_revoked = serializers.IntegerField()


class CatalogueBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField(source="get_category_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    filed_on = serializers.DateField()
    banned_until = serializers.DateField(allow_null=True)
    lines = CatalogueLineSerializer(many=True, source="lines.all")


class RectificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reference = serializers.CharField()
    findings = serializers.CharField()
    deadline = serializers.DateField()
    ordered_on = serializers.DateField()
    source = serializers.CharField()
    response = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class SupervisedBodySerializer(CatalogueBodySerializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    rectifications = RectificationSerializer(many=True, source="rectifications.all")
    decisions = BodyDecisionSerializer(many=True, source="decisions.all")


class SupervisionActionSerializer(StrictInput):
    """Every field any supervision action takes; an action reads only its own (the service says which are
    required: 400 with the field)."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    deadline = serializers.DateField(required=False)
    source = serializers.CharField(required=False, allow_blank=True, max_length=200)
    banned_until = serializers.DateField(required=False)
    certificates = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=1000
    )
    response = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class SupervisionReportSerializer(serializers.Serializer):
    sitting = serializers.IntegerField(source="sitting_id")
    supervisor = serializers.CharField(source="supervisor.username")
    filed_at = serializers.DateTimeField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    identity_checked = serializers.BooleanField()
    identity_issues = serializers.CharField()
    irregularities = serializers.CharField()
    blocking = serializers.BooleanField()
    has_photo = serializers.SerializerMethodField()
    finding = serializers.IntegerField(source="finding_id", allow_null=True)

    def get_has_photo(self, report) -> bool:
        return bool(report.photo_encrypted)


class SupervisionReportInput(StrictInput):
    present = serializers.IntegerField(min_value=0, max_value=999999)
    absent = serializers.IntegerField(min_value=0, max_value=999999)
    identity_checked = serializers.BooleanField()
    identity_issues = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    irregularities = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    blocking = serializers.BooleanField(required=False, default=False)
    photo = serializers.FileField(required=False)


class PublishedCheckSerializer(serializers.Serializer):
    body_code = serializers.CharField(source="body.code")
    body_name = serializers.CharField(source="body.name")
    inspectors = serializers.SerializerMethodField()
    status = serializers.CharField()
    result = serializers.CharField()
    inspected_on = serializers.DateField(allow_null=True)

    def get_inspectors(self, check) -> list[str]:
        return [i.name for i in check.inspectors.all()]


class PublishedDrawSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    kind = serializers.CharField()
    seed = serializers.CharField()
    drawn_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()
    candidate_bodies = serializers.ListField(child=serializers.IntegerField())
    candidate_inspectors = serializers.ListField(child=serializers.IntegerField())
    exclusions = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))
    body_count = serializers.IntegerField()
    inspectors_per_body = serializers.IntegerField()
    checks = PublishedCheckSerializer(many=True, source="checks.all")
