"""The application's timeline (who did what, when, why) read from the audit log and the decisions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from filing.models import (
    ApplicationKind,
    AssessmentPart,
    AttachmentKind,
    AuditEvent,
    FilingApplication,
    RecusalRelation,
    ReviewOutcome,
    ReviewStep,
    StaffRole,
)
from filing.roles import Role

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
    "task.urge": _("催办任务"),
    "task.take_back": _("拿回任务"),
    "task.send_back": _("退回到已办环节"),
    "task.batch": _("批量审批"),
    "task.on_behalf": _("代为办理"),
    "task.copy": _("抄送审批结果"),
    "task.escalate": _("超时升级至科室负责人"),
    "deputy.appoint": _("设置代理人"),
    "deputy.revoke": _("撤销代理人"),
    "review.district_review.take_back": _("区级审核拿回重办"),
    "review.municipal_review.take_back": _("市级审核拿回重办"),
    "review.municipal_review.send_back": _("市级审核退回区级重审"),
    "clock.extend": _("延长办理时限"),
}
#: What the rest of the audit log records, as a person says it (the audit log page reads these too).
OTHER_ACTION_LABELS = {
    "attachment.upload": _("上传附件"),
    "attachment.download": _("查看附件"),
    "line.add": _("增加备案职业（工种）等级"),
    "line.update": _("修改备案职业（工种）等级"),
    "line.remove": _("删除备案职业（工种）等级"),
    "objection.file": _("提出公示异议"),
    "agreement.create": _("登记合作评价协议"),
    "agreement.revoke": _("终止合作评价协议"),
    "plan.create": _("制定认定计划"),
    "plan.file": _("报备认定计划"),
    "plan.confirm": _("确认认定计划"),
    "plan.return": _("退回认定计划"),
    "plan.open_registration": _("开放报名"),
    "plan.close_registration": _("截止报名"),
    "plan.start": _("开始考核"),
    "plan.finish_sittings": _("结束考核"),
    "plan.cancel": _("取消认定计划"),
    "plan.publish_results": _("公示认定结果"),
    "plan.submit_results": _("报送认定结果"),
    "plan.results_confirm": _("确认认定结果"),
    "plan.results_return": _("退回认定结果"),
    "plan.audit_results": _("审核认定结果"),
    "plan.review": _("审核认定计划"),
    "objection.decide": _("处理公示异议"),
    "sitting.add": _("增加考核场次"),
    "staff.assign": _("安排考务人员"),
    "roster.import": _("导入考生名册"),
    "roster.reject": _("考生名册未通过校验"),
    "score.enter": _("录入成绩"),
    "pii.reveal": _("查看完整证件号码"),
    "certificate.request": _("申请发放证书"),
    "certificate.issue": _("发放证书"),
    "certificate.reissue": _("补发证书"),
    "certificate.correct": _("更正证书"),
    "certificate.revoke": _("撤销证书"),
    "national.export": _("导出全国联网上报数据"),
    "national.acknowledge": _("确认全国联网上报回执"),
    "auth.login": _("登录"),
    "auth.logout": _("退出登录"),
    "auth.login_failed": _("登录失败"),
    "auth.locked_out": _("登录被锁定"),
    "auth.lockout_reset": _("解除登录锁定"),
    "auth.password_changed": _("修改密码"),
    "auth.password_reset_requested": _("申请找回密码"),
    "user.password_reset_sent": _("发送重设密码邮件"),
    "user.change": _("修改用户信息"),
    "user.add": _("新建用户"),
    "membership.grant": _("授予角色"),
    "membership.revoke": _("撤销角色"),
    "membership.request": _("申请授予角色"),
    "membership.approve": _("批准授予角色"),
    "membership.decline": _("拒绝授予角色"),
    "membership.unit_lead": _("设置科室负责人"),
    "otp.enrol_start": _("开始启用动态验证码"),
    "otp.enrol_confirm": _("启用动态验证码"),
    "otp.verify": _("验证动态验证码"),
    "otp.reset": _("重置动态验证码"),
    "challenge.issue": _("发送联系验证码"),
    "challenge.verify": _("完成联系验证"),
    "scope.probe": _("访问范围外的对象"),
    "admin.delete": _("在管理后台删除记录"),
    "admin.add": _("在管理后台新增记录"),
    "admin.change": _("在管理后台修改记录"),
    "attachment.replace": _("替换附件"),
    "attachment.remove": _("删除附件"),
    "agreement.accept": _("接受合作评价协议"),
    "agreement.decline": _("拒绝合作评价协议"),
    "agreement.withdraw": _("撤回合作评价协议"),
    "agreement.terminate": _("终止合作评价协议"),
    "plan.update": _("修改认定计划"),
    "plan.form": _("打开认定计划表单"),
    "plan.withdraw": _("撤回认定计划备案"),
    "sitting.update": _("修改考核场次"),
    "sitting.remove": _("删除考核场次"),
    "staff.remove": _("撤下考务人员"),
    "evaluator.create": _("登记考评员"),
    "evaluator.update": _("修改考评员信息"),
    "evaluator.activate": _("启用或停用考评员"),
    "recusal.declare": _("申报回避关系"),
    "certificate.revocation_request": _("申请撤销证书"),
    "certificate.revocation_decide": _("审核证书撤销申请"),
    "certificate.revocation_approve": _("批准撤销证书"),
    "statistics.view": _("查看证书统计"),
}
#: What an action not named above is about, by its first word (so a new action still reads in Chinese).
ACTION_PREFIX_LABELS = {
    "application": _("备案申请操作"),
    "review": _("审核操作"),
    "task": _("办理任务"),
    "plan": _("认定计划操作"),
    "sitting": _("考核场次操作"),
    "staff": _("考务人员安排"),
    "roster": _("考生名册操作"),
    "certificate": _("证书操作"),
    "agreement": _("合作协议操作"),
    "evaluator": _("考评员库操作"),
    "membership": _("角色授权操作"),
    "auth": _("登录与账户操作"),
    "user": _("用户管理操作"),
    "otp": _("动态验证码操作"),
    "admin": _("管理后台操作"),
}


def action_label(action: str) -> str:
    """The action as a person says it; an action not named yet says what it is about, else its code."""
    label = ACTION_LABELS.get(action) or OTHER_ACTION_LABELS.get(action)
    if label is None:
        label = ACTION_PREFIX_LABELS.get(action.split(".", 1)[0], action)
    return str(label)


def action_choices() -> list[tuple[str, str]]:
    """Every named action, as the audit log page's filter offers them (by their label)."""
    labels = {**OTHER_ACTION_LABELS, **ACTION_LABELS}
    return sorted(((code, str(label)) for code, label in labels.items()), key=lambda pair: pair[1])


#: Audit payload keys as a person reads them (the admin and the audit log page).
AUDIT_PAYLOAD_LABELS = {
    "comment": _("意见"),
    "reason": _("理由"),
    "task": _("任务"),
    "node": _("环节"),
    "to": _("接收人"),
    "back_to": _("退回至"),
    "version": _("版本"),
    "number": _("编号"),
    "role": _("角色"),
    "count": _("数量"),
    "rows": _("行数"),
    "outcome": _("结论"),
    "step": _("环节"),
    "deadline": _("期限"),
    "items": _("补正事项"),
    "path": _("访问路径"),
    "ip": _("来源地址"),
    "username": _("用户名"),
    "changed": _("修改的字段"),
    "part": _("考核部分"),
    "room": _("考场"),
    "sitting": _("场次"),
    "line": _("备案项目"),
    "kind": _("类型"),
    "note": _("说明"),
    "batch": _("批次"),
    "body": _("评价机构"),
    "offering": _("职业（工种）等级"),
    "purpose": _("用途"),
    "membership": _("角色"),
    "devices": _("设备"),
    "repr": _("记录"),
    "user": _("用户"),
    "organisation": _("单位"),
    "district": _("区"),
    "unit_lead": _("科室负责人"),
    "request": _("申请"),
    "fields": _("字段"),
    "evaluator": _("考评人员"),
    "candidate": _("考生"),
    "relation": _("关系"),
    "verified_by": _("核验人"),
    "status": _("状态"),
    "size": _("大小"),
    "scores": _("评分"),
    "replaces": _("替换的附件"),
    "replacement": _("替换后的附件"),
    "registration": _("报名"),
    "partner": _("合作机构"),
    "offerings": _("职业（工种）等级"),
    "objection": _("异议"),
    "masked": _("已脱敏"),
    "key": _("请求标识"),
    "holder": _("持证人"),
    "experts": _("评审专家"),
    "errors": _("错误"),
    "ends_on": _("截止日期"),
    "email": _("电子邮箱"),
    "document": _("证件"),
    "contact": _("联系方式"),
    "changes": _("修改内容"),
    "certificate_no": _("证号"),
    "application": _("备案申请"),
    "attempts": _("尝试次数"),
    "principal": _("被代理人"),
    "recipients": _("抄送对象"),
    "age": _("已等待工作日"),
    "explanation": _("说明"),
    "rule": _("完成规则"),
    "limit": _("办理时限（工作日）"),
    "roles": _("抄送角色"),
    "deputy": _("代理人"),
    "starts_on": _("开始日期"),
    "reopened": _("重新打开的任务"),
    "cancelled": _("取消的任务"),
    "sha256": _("文件摘要"),
    "decision": _("决定"),
    "lines": _("备案项目"),
    "approved": _("同意备案"),
    "rejected": _("不予备案"),
    "name": _("姓名"),
    "title": _("名称"),
    "expected_headcount": _("预计人数"),
    "first_sitting_on": _("首场考核日期"),
    "starts_at": _("开始时间"),
    "ends_at": _("结束时间"),
    "candidates_expected": _("考生人数"),
    "occupation": _("职业"),
    "level": _("等级"),
    "valid_until": _("有效期至"),
    "can_evaluate": _("考评员"),
    "can_invigilate": _("监考人员"),
    "is_supervisor": _("督导员"),
}
#: Coded values named as a person reads them, by the key they are stored under.
AUDIT_VALUE_LABELS = {
    "role": {**dict(Role.choices), **dict(StaffRole.choices)},
    "node": dict(ReviewStep.choices),
    "step": dict(ReviewStep.choices),
    "back_to": dict(ReviewStep.choices),
    "outcome": dict(ReviewOutcome.choices),
    "part": dict(AssessmentPart.choices),
    "kind": {**dict(ApplicationKind.choices), **dict(AttachmentKind.choices)},
    "relation": dict(RecusalRelation.choices),
}


def readable(value, key: str = "") -> str:
    """A JSON value in words: 是/否 for booleans, lists joined, nested objects as key：value, coded values
    (roles, review steps, outcomes) by their names."""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(readable(v, key) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{AUDIT_PAYLOAD_LABELS.get(k, k)}：{readable(v, k)}" for k, v in value.items())
    return str(AUDIT_VALUE_LABELS.get(key, {}).get(value, value))


def payload_rows(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's (already masked) contents as (label, words) pairs."""
    return [(str(AUDIT_PAYLOAD_LABELS.get(k, k)), readable(v, k)) for k, v in (event.payload or {}).items()]


#: Keys whose values are machine data (digests, addresses, paths, keys): shown as code, as they are.
MACHINE_KEYS = frozenset({"sha256", "ip", "path", "key", "username"})


def payload_cells(event: AuditEvent) -> list[dict]:
    """The contents for a page: label, words, and whether the words are machine data (shown as code)."""
    return [
        {"label": label, "words": words, "code": key in MACHINE_KEYS}
        for key, (label, words) in zip(event.payload or {}, payload_rows(event), strict=True)
    ]


def object_label(event: AuditEvent) -> str:
    """The object an event is about: "备案申请 #12"."""
    from django.apps import apps

    if not event.object_type:
        return "—"
    try:
        name = apps.get_model(event.object_type)._meta.verbose_name
    except (LookupError, ValueError):
        name = event.object_type
    return f"{name} #{event.object_id}" if event.object_id else str(name)


def sentence(event: AuditEvent) -> str:
    """谁 在何时 做了什么: "浦江经办人 于 2026年12月2日 08:57 提交申请（未获准）"."""
    from django.utils import formats, timezone

    when = formats.date_format(timezone.localtime(event.created_at), "DATETIME_FORMAT")
    text = _("%(who)s 于 %(when)s %(what)s") % {
        "who": event.actor_name or _("系统"),
        "when": when,
        "what": action_label(event.action),
    }
    if event.result == "denied":
        text += str(_("（未获准）"))
    return text


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
            "sentence": sentence(e),
            "why": "；".join(str(e.payload[k]) for k in SHOWN_PAYLOAD_KEYS if e.payload.get(k)),
            "result": e.result,
        }
        for e in events
    ]
