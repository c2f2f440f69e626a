"""Annual task lists and the indicator registry over the API: the list as its page shows it (targets with
their actual values and evidence names), and the inputs of ``filing.services.annual_tasks``."""

from rest_framework import serializers

from workflows.serializers import StrictInput

__all__ = [
    "IndicatorSerializer",
    "TaskListSerializer",
    "TaskListCreateSerializer",
    "TaskListUpdateSerializer",
    "TaskListActionSerializer",
    "TargetInputSerializer",
]


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    reported = serializers.BooleanField(help_text="true: reported by the college with evidence")
    applies_to = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="target.id")
    indicator = serializers.CharField(source="target.indicator")
    target = serializers.DecimalField(source="target.target", max_digits=12, decimal_places=1)
    actual = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    done_percent = serializers.DecimalField(source="done", max_digits=12, decimal_places=1, allow_null=True)
    late = serializers.BooleanField()
    reported_value = serializers.DecimalField(
        source="target.reported_value", max_digits=12, decimal_places=1, allow_null=True
    )
    confirmed_by = serializers.CharField(source="target.confirmed_by.username", allow_null=True, default=None)
    confirmed_at = serializers.DateTimeField(source="target.confirmed_at", allow_null=True)
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, row) -> list[str]:
        return [e.original_name for e in row["evidence"]]


class TaskListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    year = serializers.IntegerField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    return_reason = serializers.CharField()
    self_assessment = serializers.CharField()
    targets = serializers.SerializerMethodField()

    def get_targets(self, task_list) -> list[dict]:
        from filing.services.annual_tasks import progress

        return TargetSerializer(progress(task_list), many=True).data


class TargetInputSerializer(StrictInput):
    indicator = serializers.CharField(max_length=40)
    target = serializers.DecimalField(max_digits=12, decimal_places=1, min_value=0)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TaskListCreateSerializer(StrictInput):
    organisation = serializers.IntegerField()
    year = serializers.IntegerField()
    targets = TargetInputSerializer(many=True, allow_empty=False, max_length=40)


class TaskListUpdateSerializer(StrictInput):
    targets = TargetInputSerializer(many=True, allow_empty=False, max_length=40)
    version = serializers.IntegerField(required=False)


class TaskListActionSerializer(StrictInput):
    version = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    text = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    target = serializers.IntegerField(required=False, help_text="confirm_target: the target's id")
