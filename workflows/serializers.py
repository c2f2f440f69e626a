"""API inputs of the review tasks, one per kind of node (the node table says which); each gives the same
service arguments as the node's page form (``arguments()``)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers

from filing.models import ExpertScore, FilingLine

from .forms import REVIEW_OUTCOMES, complaint_arguments

#: The largest primary key a column holds (BigAutoField): a bigger number is a 400 here, never an overflow in
#: a query (Django guards single-value lookups, not ``__in`` lists).
MAX_ID = 2**63 - 1


def id_field(**kwargs) -> serializers.IntegerField:
    """An input naming an object by its primary key."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StrictInput(serializers.Serializer):
    """An input that refuses what it does not declare: an unknown or read-only field is a 400 naming it
    (a silently dropped field would let a client believe it changed something)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("未知字段或只读字段。")] for name in unknown})
        return super().to_internal_value(data)


class TaskInput(StrictInput):
    def arguments(self) -> dict:
        return dict(self.validated_data)


class CorrectionItemInput(StrictInput):
    kind = serializers.ChoiceField(choices=["field", "line", "attachment"])
    key = serializers.CharField(max_length=40)
    label = serializers.CharField(required=False, allow_blank=True, max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReviewInput(TaskInput):
    """区级受理 / 区级审核 / 市级审核: approve, return (with the ticked items and a deadline) or reject."""

    outcome = serializers.ChoiceField(choices=REVIEW_OUTCOMES)
    comment = serializers.CharField(max_length=5000)
    items = CorrectionItemInput(many=True, required=False)
    deadline = serializers.DateField(required=False)

    def arguments(self) -> dict:
        data = self.validated_data
        return {
            "outcome": data["outcome"],
            "comment": data["comment"],
            "correction_items": [dict(i) for i in data.get("items", [])],
            "correction_deadline": data.get("deadline"),
        }


class PanelInput(TaskInput):
    """组织专家评审: the experts' user ids (at least three, an odd number)."""

    experts = serializers.ListField(child=id_field(), max_length=50)


class LineScoreInput(StrictInput):
    line = id_field()
    score = serializers.IntegerField(min_value=0, max_value=100)
    recommendation = serializers.ChoiceField(choices=ExpertScore.Recommendation.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ExpertScoreInput(TaskInput):
    """专家评分: a score per line, or a declared conflict (the seat goes to another expert)."""

    scores = LineScoreInput(many=True, required=False)
    conflict_reason = serializers.CharField(required=False, max_length=2000)

    def validate(self, attrs):
        if not attrs.get("scores") and not attrs.get("conflict_reason"):
            raise serializers.ValidationError({"scores": [_("请为每个备案项目评分，或说明回避理由。")]})
        return attrs

    def arguments(self) -> dict:
        data = self.validated_data
        if data.get("conflict_reason"):
            return {"conflict_reason": data["conflict_reason"]}
        return {"scores": {row["line"]: dict(row) for row in data["scores"]}}


class LineDecisionInput(StrictInput):
    line = id_field()
    decision = serializers.ChoiceField(choices=[FilingLine.Decision.APPROVED, FilingLine.Decision.REJECTED])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DecisionInput(TaskInput):
    """审批决定: one decision per line, and the opinion."""

    line_decisions = LineDecisionInput(many=True)
    comment = serializers.CharField(max_length=5000)

    def arguments(self) -> dict:
        data = self.validated_data
        return {
            "comment": data["comment"],
            "line_decisions": {row["line"]: dict(row) for row in data["line_decisions"]},
        }


class HolderCorrectionDecisionInput(TaskInput):
    """持证人更正申请: correct as asked (a new version) or decline with a reason."""

    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")


class NationalRejectionInput(TaskInput):
    """全国联网退回: corrected where needed and queued again (``resubmit``, the one answer), with a note."""

    decision = serializers.ChoiceField(choices=["resubmit"])
    note = serializers.CharField(max_length=2000)


class RevocationDecisionInput(TaskInput):
    """证书撤销审核: approve (the certificate is revoked) or decline, with the opinion."""

    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=5000)


class PlanDecisionInput(TaskInput):
    """认定计划确认 / 认定结果审核: approve or return, with the opinion."""

    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=5000)


class ComplaintDecisionInput(TaskInput):
    """处理投诉: ``investigate`` (转入调查, optional ``reason`` as a note), ``dismiss`` (不予受理, ``reason``
    required) or ``answer`` (``findings`` and ``answer``; ``rectify`` with a ``deadline`` orders the body to
    rectify)."""

    decision = serializers.ChoiceField(choices=["investigate", "dismiss", "answer"])
    reason = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    findings = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    answer = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    rectify = serializers.BooleanField(required=False, default=False)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)

    def arguments(self) -> dict:
        return complaint_arguments(dict(self.validated_data))
