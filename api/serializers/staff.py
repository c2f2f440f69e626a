"""The staff register (职工名册) and the 人人持证 figure over the API: entries as the pages show them (masked
ID number only), the inputs of their services."""

from rest_framework import serializers

from filing.models import StaffImport
from workflows.serializers import StrictInput

__all__ = [
    "StaffMemberSerializer",
    "StaffUpdateSerializer",
    "StaffImportSerializer",
    "StaffUploadSerializer",
    "HoldingSerializer",
    "HoldingQuerySerializer",
]


class StaffMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    employee_number = serializers.CharField()
    name = serializers.CharField()
    document_type = serializers.CharField()
    document_masked = serializers.CharField()
    department = serializers.CharField()
    post = serializers.CharField()
    skilled_post = serializers.BooleanField()
    occupation = serializers.CharField(source="occupation.code", allow_null=True, default=None)
    hired_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)
    years_in_occupation = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    version = serializers.IntegerField()


class StaffUpdateSerializer(StrictInput):
    """Only the fields sent are changed; ``version`` is the one you read (409 if someone saved since)."""

    version = serializers.IntegerField(required=False, min_value=0)
    name = serializers.CharField(required=False, max_length=60)
    department = serializers.CharField(required=False, allow_blank=True, max_length=60)
    post = serializers.CharField(required=False, max_length=60)
    skilled_post = serializers.BooleanField(required=False)
    occupation = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="code (6-18-01-01) or catalogue name"
    )
    hired_on = serializers.DateField(required=False)
    left_on = serializers.DateField(required=False, allow_null=True)
    years_in_occupation = serializers.DecimalField(
        required=False, allow_null=True, max_digits=4, decimal_places=1, min_value=0, max_value=60
    )


class StaffImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffImport
        fields = ["id", "organisation", "outcome", "rows", "created", "updated", "file_name", "report"]


class StaffUploadSerializer(StrictInput):
    organisation = serializers.IntegerField(min_value=1)
    file = serializers.FileField()


class ShareSerializer(serializers.Serializer):
    staff = serializers.IntegerField()
    certified = serializers.IntegerField()
    percent = serializers.FloatField()


class DepartmentShareSerializer(ShareSerializer):
    department = serializers.CharField()


class LevelCountSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    label = serializers.CharField()
    holders = serializers.IntegerField()
    percent = serializers.FloatField()


class MonthShareSerializer(ShareSerializer):
    on = serializers.DateField()


class HoldingSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    on = serializers.DateField()
    total = ShareSerializer()
    departments = DepartmentShareSerializer(many=True)
    levels = LevelCountSerializer(many=True)
    trend = MonthShareSerializer(many=True)
    without = StaffMemberSerializer(many=True)


class HoldingQuerySerializer(StrictInput):
    organisation = serializers.IntegerField(required=False, min_value=1)
    on = serializers.DateField(required=False)
