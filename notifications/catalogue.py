"""Every notification kind: its title and body (Chinese source text, English via translation), whether it is
legally required (cannot be muted), and the link it carries. Bodies are rendered at delivery time in the
recipient's language from the event payload (identifiers and public facts only, never personal data)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    title: str
    body: str
    legally_required: bool = False


KINDS: dict[str, Kind] = {
    "submitted": Kind(
        _("新的备案申请待受理：{number}"),
        _("{organisation}提交了{kind}申请（{number}），请在法定时限内受理。"),
    ),
    "submitted_receipt": Kind(
        _("申请已提交：{number}"), _("您单位的{kind}申请（{number}）已提交至{district}人社局，等待受理。")
    ),
    "accepted": Kind(
        _("申请已受理：{number}"),
        _("{district}人社局已受理您单位的申请（{number}）。受理日期：{date}。"),
        True,
    ),
    "review_passed": Kind(
        _("申请通过{step}：{number}"), _("您单位的申请（{number}）已通过{step}，进入下一环节。")
    ),
    "review_waiting": Kind(
        _("备案申请待{step}：{number}"), _("{organisation}的申请（{number}）等待{step}。")
    ),
    "returned": Kind(
        _("请补正申请材料：{number}"),
        _(
            "您单位的申请（{number}）在{step}环节被退回补正。需补正事项：{items}。审批意见：{comment}。请于{deadline}前补正，逾期未补正的，申请终止。"
        ),
        True,
    ),
    "resubmitted": Kind(
        _("申请人已补正：{number}"), _("{organisation}已就申请（{number}）提交补正，请继续审核。")
    ),
    "rejected": Kind(
        _("申请未获通过：{number}"), _("您单位的申请（{number}）未获通过。理由：{reason}。"), True
    ),
    "withdrawn": Kind(_("申请已撤回：{number}"), _("{organisation}撤回了申请（{number}）。理由：{reason}。")),
    "lapsed": Kind(
        _("申请因逾期未补正而终止：{number}"),
        _("您单位的申请（{number}）未在{deadline}前补正，申请终止。"),
        True,
    ),
    "panel_assigned": Kind(
        _("请为备案申请评分：{number}"),
        _("您被选为{organisation}申请（{number}）的评审专家，请逐项评分；如存在利益冲突请申请回避。"),
    ),
    "decided": Kind(
        _("备案决定：{number}"),
        _(
            "您单位的申请（{number}）已作出决定：同意{approved}项，不予备案{rejected}项。同意的项目将公示{days}个工作日。"
        ),
        True,
    ),
    "publicity_started": Kind(
        _("公示开始：{number}"), _("您单位的申请（{number}）公示期为{starts}至{ends}。")
    ),
    "filed": Kind(
        _("已备案：{number}"),
        _("您单位已备案为评价机构，机构代码{body_code}，备案项目自{date}起生效。"),
        True,
    ),
    "objection_filed": Kind(
        _("收到公示异议：{number}"), _("{organisation}的申请（{number}）在公示期内收到书面异议，请核实处理。")
    ),
    "objection_decided": Kind(
        _("公示异议已处理：{number}"), _("关于您单位申请（{number}）的公示异议已处理：{outcome}。")
    ),
    "task_assigned": Kind(
        _("新的待办任务：{task}"), _("您有一项待办任务：{task}（申请{number}，{organisation}）。")
    ),
    "task_urged": Kind(
        _("催办：{task}"),
        _("{actor}催办了“{task}”（{number}，{organisation}），这是第{count}次催办。{note}请尽快办理。"),
    ),
    "deputy_appointed": Kind(
        _("您被指定为代理人：{principal}"),
        _(
            "{principal}将于{starts}至{ends}不在岗（{reason}），由您代为办理其待办任务；"
            "代办记录为“办理人 您，代 {principal}”。"
        ),
    ),
    "task_copied": Kind(
        _("抄送：{task}"),
        _("{actor}将“{task}”的办理结果抄送给您（{subject}）：{decision}{note}"),
    ),
    "task_escalated": Kind(
        _("超时升级：{task}"),
        _(
            "“{task}”（{number}，{organisation}）已等待{age}个工作日，超过本环节{limit}个工作日的办理时限，请督办或转办。"
        ),
    ),
    "taken_back": Kind(
        _("审核已拿回：{number}"),
        _("{organisation}的申请（{number}）的{step}已由原办理人拿回重办，原待办已取消。"),
    ),
    "sent_back": Kind(
        _("市级退回区级重审：{number}"),
        _("{organisation}的申请（{number}）被市级审核退回区级重审。退回理由：{comment}。"),
    ),
    "clock_extended": Kind(
        _("办理时限已延长：{number}"),
        _("您单位申请（{number}）的办理时限经批准延长10个工作日。理由：{reason}。"),
        True,
    ),
    "task_due_soon": Kind(_("待办即将到期：{task}"), _("申请{number}的“{task}”法定时限剩余{left}个工作日。")),
    "task_overdue": Kind(
        _("待办已超期：{task}"), _("申请{number}的“{task}”已超过法定办理时限{overdue}个工作日。")
    ),
    "correction_due_soon": Kind(
        _("补正期限将至：{number}"),
        _("您单位申请（{number}）的补正期限为{deadline}，逾期未补正的，申请终止。"),
        True,
    ),
}

OPTIONAL_KINDS = [k for k, v in KINDS.items() if not v.legally_required]

KINDS.update(
    {
        "plan_filed": Kind(
            _("认定计划待确认：{number}"),
            _("{organisation}报备了认定计划“{number}”，首场考核{date}，请确认。"),
        ),
        "plan_confirmed": Kind(
            _("认定计划已确认：{number}"), _("认定计划“{number}”已确认，可以开放报名。"), True
        ),
        "plan_returned": Kind(_("认定计划被退回：{number}"), _("认定计划“{number}”被退回修改。"), True),
        "plan_cancelled": Kind(
            _("认定计划已取消：{number}"), _("{organisation}取消了认定计划“{number}”。理由：{reason}。")
        ),
        "plan_withdrawn": Kind(
            _("认定计划撤回备案：{number}"),
            _("{organisation}撤回了认定计划“{number}”的备案，无需再确认。理由：{reason}。"),
        ),
        "results_published": Kind(_("认定结果公示：{number}"), _("认定计划“{number}”的结果公示至{date}。")),
        "results_submitted": Kind(
            _("认定结果待审核：{number}"), _("{organisation}报送了认定计划“{number}”的结果，请审核。")
        ),
        "results_confirmed": Kind(
            _("认定结果已确认：{number}"), _("认定计划“{number}”的结果已确认，可以发放证书。"), True
        ),
        "results_returned": Kind(
            _("认定结果被退回：{number}"), _("认定计划“{number}”的结果被退回核实。意见：{comment}。"), True
        ),
    }
)
OPTIONAL_KINDS = [k for k, v in KINDS.items() if not v.legally_required]

KINDS.update(
    {
        "certificates_issued": Kind(
            _("证书已发放：{number}"), _("认定计划“{number}”的{count}本职业技能等级证书已发放，PDF正在生成。")
        ),
        "certificate_revoked": Kind(
            _("证书已撤销：{certificate}"), _("证书{certificate}已撤销。理由：{reason}。"), True
        ),
        "revocation_requested": Kind(
            _("证书撤销申请待审核：{certificate}"),
            _("{organisation}申请撤销证书{certificate}。理由：{reason}。请在待办任务中审核。"),
            True,
        ),
        "revocation_declined": Kind(
            _("证书撤销申请未获批准：{certificate}"),
            _("证书{certificate}的撤销申请未获批准，证书仍然有效。审核意见：{comment}。"),
            True,
        ),
        "certificate_reissued": Kind(
            _("证书已补发：{certificate}"), _("证书{certificate}已补发（第{version}版）。")
        ),
        "certificate_corrected": Kind(
            _("证书已更正：{certificate}"), _("证书{certificate}已更正为第{version}版，旧版本作废。"), True
        ),
        "holder_correction_requested": Kind(
            _("持证人更正申请待处理：{certificate}"),
            _("持证人申请更正{organisation}发出的证书{certificate}。请在待办任务中处理。"),
        ),
        "national_rejected": Kind(
            _("全国联网退回{count}条证书记录"),
            _(
                "全国联网查询系统退回了{count}条证书记录（{certificates}）。请在待办任务“处理全国联网退回记录”中更正或重新上报。"
            ),
            True,
        ),
    }
)
OPTIONAL_KINDS = [k for k, v in KINDS.items() if not v.legally_required]

KINDS["expert_scored"] = Kind(
    _("专家已评分：{number}"), _("专家已完成{organisation}申请（{number}）的评分（{done}/{total}）。")
)
OPTIONAL_KINDS = [k for k, v in KINDS.items() if not v.legally_required]

KINDS.update(
    {
        "body_decided": Kind(
            _("评价机构监管决定：{decision}"),
            _(
                "市职业技能鉴定中心对{organisation}（{code}）作出“{decision}”{line}，文号：{reference}。事由：{reason}"
            ),
            True,
        ),
        "body_exit_requested": Kind(
            _("评价机构申请退出：{organisation}"),
            _("{organisation}（{code}）申请退出评价机构备案，请审核。事由：{reason}"),
        ),
        "rectification_responded": Kind(
            _("整改报告待验收：{organisation}"),
            _("{organisation}（{code}）已提交整改报告（整改期限{deadline}），请验收。"),
        ),
        "task_list_to_confirm": Kind(
            _("年度任务清单待确认：{organisation}"),
            _("{organisation}的{year}年度任务清单（{step}），请审核确认。"),
        ),
        "task_list_decided": Kind(
            _("年度任务清单{outcome}：{year}年度"),
            _("{organisation}的{year}年度任务清单：{outcome}。{reason}"),
            True,
        ),
        "task_list_reported": Kind(
            _("年度任务指标待核实：{organisation}"),
            _("{organisation}报告了{year}年度任务清单的指标完成情况（{step}），请核实。"),
        ),
        "appointment_submitted": Kind(
            _("特级技师/首席技师评聘待审核：{organisation}"),
            _("{organisation}申报{name}为{grade}（{occupation}），请审核。"),
        ),
        "appointment_decided": Kind(
            _("评聘{outcome}：{name}"),
            _("{name}的{grade}（{occupation}）评聘：{outcome}。{comment}"),
            True,
        ),
        "appointment_expiring": Kind(
            _("聘期即将届满：{name}"),
            _("{name}的{grade}（{occupation}）聘期至{term_end}届满，请及时办理续聘或解聘。"),
        ),
        "rectification_due_soon": Kind(
            _("整改期限将至：{organisation}"),
            _("整改通知（{reference}）的整改期限为{deadline}，请按期提交整改报告。"),
            True,
        ),
        "rectification_overdue": Kind(
            _("整改已逾期：{organisation}"),
            _("{organisation}（{code}）的整改通知（{reference}）已于{deadline}到期，尚未提交整改报告。"),
            True,
        ),
        "rectification_sent_back": Kind(
            _("整改未通过验收：{organisation}"),
            _("整改报告未通过验收，请于{deadline}前继续整改。意见：{note}"),
            True,
        ),
        "complaint_received": Kind(
            _("收到投诉：{number}"), _("收到对{organisation}的投诉（编号{number}），请在待办任务中分办处理。")
        ),
        "complaint_answered": Kind(
            _("投诉已答复：{number}"), _("市职业技能鉴定中心已答复对{organisation}的投诉（编号{number}）。")
        ),
    }
)
OPTIONAL_KINDS = [k for k, v in KINDS.items() if not v.legally_required]


#: Words that stand for a placeholder where a kind is named without an event (the settings page).
GENERIC_WORDS = {"step": _("审核环节")}


def setting_label(key: str) -> str:
    """A kind as a person reads it on the settings page: its title without the event's own values
    (``申请通过{step}：{number}`` → ``申请通过审核环节``), never a raw ``{placeholder}``."""
    import re

    title = re.sub(r"[：:]\s*\{\w+\}$", "", str(KINDS[key].title))
    return re.sub(r"\{(\w+)\}", lambda m: str(GENERIC_WORDS.get(m.group(1), "")), title)
