"""特级技师 / 首席技师 评聘 over the API: the appointment as the pages show it (masked ID number only), and
the inputs of its services."""

from rest_framework import serializers

from workflows.serializers import StrictInput

__all__ = ["AppointmentSerializer", "AppointmentCreateSerializer", "AppointmentActionSerializer"]


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.IntegerField(source="body_id")
    grade = serializers.CharField()
    holder_name = serializers.CharField()
    document_masked = serializers.CharField(source="certificate.document_masked")
    certificate_number = serializers.CharField(source="certificate.number")
    occupation_code = serializers.CharField()
    occupation_name = serializers.CharField()
    employee_number = serializers.CharField()
    post = serializers.CharField()
    achievements = serializers.CharField()
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    status = serializers.CharField()
    review_comment = serializers.CharField()
    publicity_starts_on = serializers.DateField(allow_null=True)
    publicity_ends_on = serializers.DateField(allow_null=True)
    appointed_on = serializers.DateField(allow_null=True)


class AppointmentCreateSerializer(StrictInput):
    body = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=["principal", "chief"])
    holder_name = serializers.CharField(max_length=60)
    certificate_number = serializers.CharField(max_length=40)
    employee_number = serializers.CharField(max_length=30)
    post = serializers.CharField(max_length=60)
    achievements = serializers.CharField(max_length=5000)
    term_start = serializers.DateField()
    term_end = serializers.DateField()


class AppointmentActionSerializer(StrictInput):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
