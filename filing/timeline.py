"""The application's timeline (who did what, when, why) read from the audit log and the decisions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from filing.models import AuditEvent, FilingApplication

ACTION_LABELS = {
    "application.create": _("创建申请"),
    "application.update": _("修改申请信息"),
    "application.sign": _("法定代表人签署承诺"),
    "application.submit": _("提交申请"),
    "application.respond": _("提交补正"),
    "application.withdraw": _("撤回申请"),
    "application.lapse": _("逾期未补正，申请终止"),
    "application.experts_done": _("专家评审完成"),
    "application.file": _("公示期满，予以备案"),
    "review.district_accept.approve": _("区级受理"),
    "review.district_accept.return": _("受理环节退回补正"),
    "review.district_accept.reject": _("不予受理"),
    "review.district_review.approve": _("区级审核通过"),
    "review.district_review.return": _("区级审核退回补正"),
    "review.district_review.reject": _("区级审核不予通过"),
    "review.municipal_review.approve": _("市级审核通过"),
    "review.municipal_review.return": _("市级审核退回补正"),
    "review.municipal_review.reject": _("市级审核不予通过"),
    "review.decision": _("作出备案决定"),
    "panel.assign": _("组织专家评审"),
    "expert.conflict": _("专家申请回避并由他人替换"),
    "expert.score": _("专家提交评分"),
    "objection.uphold": _("异议成立，重新决定"),
    "objection.dismiss": _("异议不成立"),
    "task.claim": _("认领任务"),
    "task.release": _("释放任务"),
    "task.transfer": _("转办任务"),
    "clock.extend": _("延长办理时限"),
}
SHOWN_PAYLOAD_KEYS = ("comment", "reason", "back_to", "to")


def timeline_for(application: FilingApplication) -> list[dict]:
    events = AuditEvent.objects.filter(
        object_type=FilingApplication._meta.label_lower,
        object_id=str(application.pk),
        action__in=ACTION_LABELS,
    ).order_by("seq")
    return [
        {
            "at": e.created_at,
            "who": e.actor_name or _("系统"),
            "what": ACTION_LABELS.get(e.action, e.action),
            "why": "；".join(str(e.payload[k]) for k in SHOWN_PAYLOAD_KEYS if e.payload.get(k)),
            "result": e.result,
        }
        for e in events
    ]
