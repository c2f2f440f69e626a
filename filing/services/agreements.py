"""Partner agreements, agreed by both sides: a school proposes the agreement by which an enterprise body or
a social training evaluation organisation evaluates students of majors the school does not cover itself;
the partner body accepts or declines it; the school may withdraw a proposal, and either side may end an
accepted agreement. Only an accepted agreement within its dates covers a major (``in_force``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    BodyStatus,
    EvaluationBody,
    FiledLineStatus,
    OccupationLevel,
    Organisation,
    PartnerAgreement,
)
from filing.roles import Role
from filing.services.common import deny_unless, require_transition, save_transition

SCHOOL_ROLES = (Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
PARTNER_ROLES = (Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)


def may_view_agreements(user) -> bool:
    """The agreements page: a school's or a partner body's people, or the city."""
    return bool(
        access.organisation_ids(user, *SCHOOL_ROLES)
        or access.organisation_ids(user, *PARTNER_ROLES)
        or access.oversees_city(user)
    )


MAX_TEXT = 500


def acts_for_school(actor, agreement: PartnerAgreement) -> bool:
    return access.acts_for(actor, agreement.school_id, *SCHOOL_ROLES)


def acts_for_partner(actor, agreement: PartnerAgreement) -> bool:
    """The partner body's operator or its organisation's legal representative decides for the partner."""
    return access.acts_for(actor, agreement.partner.organisation_id, *PARTNER_ROLES)


def _text(value, field: str, message: str, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(message, errors={field: [message]})
    if len(text) > MAX_TEXT:
        message = _("不能超过%(n)d个字。") % {"n": MAX_TEXT}
        raise Invalid(message, errors={field: [message]})
    return text


def _lock(agreement: PartnerAgreement) -> PartnerAgreement:
    return (
        PartnerAgreement.objects.select_for_update().select_related("partner", "school").get(pk=agreement.pk)
    )


@transaction.atomic
def agreement_create(
    *,
    actor,
    school: Organisation,
    partner: EvaluationBody,
    agreement_no: str,
    offerings: list[OccupationLevel],
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> PartnerAgreement:
    """The school proposes an agreement; it covers nothing until the partner accepts it."""
    deny_unless(
        access.acts_for(actor, school, *SCHOOL_ROLES),
        actor=actor,
        action="agreement.create",
        obj=school,
        message=_("只有本校经办人或法定代表人可以登记合作协议。"),
    )
    errors: dict[str, list[str]] = {}
    if not school.is_school:
        errors["school"] = [_("只有院校需要登记合作评价协议。")]
    if partner.organisation_id == school.pk:
        errors["partner"] = [_("合作机构不能是本校。")]
    if partner.status != BodyStatus.ACTIVE:
        errors["partner"] = [_("合作评价机构当前不是正常状态。")]
    filed = set(partner.lines.filter(status=FiledLineStatus.ACTIVE).values_list("offering_id", flat=True))
    outside = [str(o) for o in offerings if o.pk not in filed]
    if outside:
        errors["offerings"] = [_("合作机构未备案：%(lines)s。") % {"lines": "、".join(outside)}]
    if not offerings:
        errors["offerings"] = [_("请选择委托评价的职业（工种）等级。")]
    if valid_until < valid_from:
        errors["valid_until"] = [_("截止日期不能早于生效日期。")]
    if not agreement_no.strip():
        errors["agreement_no"] = [_("请填写协议编号。")]
    elif PartnerAgreement.objects.filter(school=school, agreement_no=agreement_no).exists():
        errors["agreement_no"] = [_("协议编号已存在。")]
    if errors:
        raise Invalid(_("合作协议信息不合法。"), errors=errors)
    agreement = PartnerAgreement.objects.create(
        school=school,
        partner=partner,
        agreement_no=agreement_no,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor,
    )
    agreement.offerings.set(offerings)
    audit_record(
        actor=actor,
        action="agreement.create",
        obj=agreement,
        payload={"partner": partner.code, "offerings": [str(o) for o in offerings]},
    )
    return agreement


@transaction.atomic
def agreement_accept(*, actor, agreement: PartnerAgreement, note: str = "") -> PartnerAgreement:
    """The partner body accepts: from now (within its dates) the agreement covers the school's majors."""
    agreement = _lock(agreement)
    require_transition(agreement, agreement.accept, _("只有待确认的协议可以确认。"))
    deny_unless(
        acts_for_partner(actor, agreement),
        actor=actor,
        action="agreement.accept",
        obj=agreement,
        message=_("只有合作评价机构可以确认合作协议。"),
    )
    note = _text(note, "note", "", required=False)
    if agreement.partner.status != BodyStatus.ACTIVE:
        raise WrongState(_("本机构当前不是正常状态，不能确认合作协议。"))
    filed = set(
        agreement.partner.lines.filter(status=FiledLineStatus.ACTIVE).values_list("offering_id", flat=True)
    )
    outside = [str(o) for o in agreement.offerings.all() if o.pk not in filed]
    if outside:
        raise WrongState(_("本机构已不再备案：%(lines)s，不能确认。") % {"lines": "、".join(outside)})
    agreement.accept(by=actor, at=timezone.now(), note=note)
    save_transition(agreement)
    audit_record(actor=actor, action="agreement.accept", obj=agreement, payload={"note": note})
    return agreement


@transaction.atomic
def agreement_decline(*, actor, agreement: PartnerAgreement, reason: str) -> PartnerAgreement:
    agreement = _lock(agreement)
    require_transition(agreement, agreement.decline, _("只有待确认的协议可以拒绝。"))
    deny_unless(
        acts_for_partner(actor, agreement),
        actor=actor,
        action="agreement.decline",
        obj=agreement,
        message=_("只有合作评价机构可以拒绝合作协议。"),
    )
    reason = _text(reason, "reason", _("请填写拒绝理由。"))
    agreement.decline(by=actor, at=timezone.now(), note=reason)
    save_transition(agreement)
    audit_record(actor=actor, action="agreement.decline", obj=agreement, payload={"reason": reason})
    return agreement


@transaction.atomic
def agreement_withdraw(*, actor, agreement: PartnerAgreement, reason: str) -> PartnerAgreement:
    """The school takes back a proposal the partner has not decided yet."""
    agreement = _lock(agreement)
    require_transition(agreement, agreement.withdraw, _("只有待确认的协议可以撤回。"))
    deny_unless(
        acts_for_school(actor, agreement),
        actor=actor,
        action="agreement.withdraw",
        obj=agreement,
        message=_("只有本校可以撤回合作协议。"),
    )
    reason = _text(reason, "reason", _("请填写撤回理由。"))
    agreement.withdraw(by=actor, at=timezone.now(), reason=reason)
    save_transition(agreement)
    audit_record(actor=actor, action="agreement.withdraw", obj=agreement, payload={"reason": reason})
    return agreement


@transaction.atomic
def agreement_terminate(*, actor, agreement: PartnerAgreement, reason: str) -> PartnerAgreement:
    """Either side ends an accepted agreement; from then it covers nothing."""
    agreement = _lock(agreement)
    require_transition(agreement, agreement.terminate, _("只有双方已确认的协议可以终止。"))
    deny_unless(
        acts_for_school(actor, agreement) or acts_for_partner(actor, agreement),
        actor=actor,
        action="agreement.terminate",
        obj=agreement,
        message=_("只有协议双方可以终止合作协议。"),
    )
    reason = _text(reason, "reason", _("请填写终止理由。"))
    agreement.terminate(by=actor, at=timezone.now(), reason=reason)
    save_transition(agreement)
    audit_record(actor=actor, action="agreement.terminate", obj=agreement, payload={"reason": reason})
    return agreement


#: Page and API actions → (service, the posted text field it takes).
ACTIONS = {
    "accept": (agreement_accept, "note"),
    "decline": (agreement_decline, "reason"),
    "withdraw": (agreement_withdraw, "reason"),
    "terminate": (agreement_terminate, "reason"),
}
