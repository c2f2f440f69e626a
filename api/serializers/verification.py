"""The employer's check of one person (name + ID document) and its answer."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from filing.validators import DocumentType
from workflows.serializers import StrictInput

__all__ = ["PersonCheckInput", "PersonMatchSerializer", "PersonCheckSerializer"]


class PersonCheckInput(StrictInput):
    name = serializers.CharField(max_length=60, label=_("姓名"))
    document_type = serializers.ChoiceField(choices=DocumentType.choices, default=DocumentType.choices[0][0])
    number = serializers.CharField(max_length=40, label=_("证件号码"))


class PersonMatchSerializer(serializers.Serializer):
    number = serializers.CharField()
    occupation = serializers.CharField()
    work_type = serializers.CharField()
    level = serializers.CharField()
    body = serializers.CharField()
    issue_date = serializers.CharField()


class PersonCheckSerializer(serializers.Serializer):
    found = serializers.BooleanField(help_text="the person holds at least one valid certificate")
    certificates = PersonMatchSerializer(many=True)
