"""Inputs and outputs of the flow-level task operations (催办, 拿回, 退回到已办环节, 批量审批)."""

from rest_framework import serializers

from workflows.serializers import StrictInput, id_field

__all__ = [
    "UrgeInput",
    "UrgeSerializer",
    "TakeBackInput",
    "SendBackInput",
    "BatchInput",
    "BatchResultSerializer",
    "BatchRunSerializer",
    "DeputyInput",
    "DeputySerializer",
    "CopyInput",
    "CopySerializer",
]


class UrgeInput(StrictInput):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class UrgeSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task_id")
    urged_by = serializers.CharField(source="urged_by.get_username")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class TakeBackInput(StrictInput):
    """Nothing to send: the task taken back is the one in the path (it must be yours and done)."""


class SendBackInput(StrictInput):
    to_node = serializers.CharField(max_length=60)
    comment = serializers.CharField(max_length=5000)


class BatchInput(StrictInput):
    node = serializers.CharField(max_length=60)
    tasks = serializers.ListField(child=id_field(), min_length=1, max_length=500)
    comment = serializers.CharField(max_length=5000)


class BatchResultSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class BatchRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    results = BatchResultSerializer(many=True)


class DeputyInput(StrictInput):
    deputy = id_field()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField(max_length=200)


class DeputySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    principal = serializers.CharField(source="principal.get_username")
    deputy = serializers.CharField(source="deputy.get_username")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class CopyInput(StrictInput):
    users = serializers.ListField(child=id_field(), required=False, default=list, max_length=100)
    roles = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["legal_rep", "applicant", "body_operators", "district_reviewers", "municipal_reviewers"]
        ),
        required=False,
        default=list,
        max_length=5,
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CopySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    recipient = serializers.CharField(source="recipient.get_username")
    copied_by = serializers.CharField(source="copied_by.get_username")
    subject = serializers.CharField()
    decision = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
