"""Partner agreements: a school records the agreement by which an enterprise body or a social training
evaluation organisation evaluates students of majors the school does not cover itself."""

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
from filing.services.common import deny_unless


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
    deny_unless(
        access.acts_for(actor, school, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE),
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
def agreement_revoke(*, actor, agreement: PartnerAgreement, reason: str) -> PartnerAgreement:
    agreement = PartnerAgreement.objects.select_for_update().get(pk=agreement.pk)
    deny_unless(
        access.acts_for(actor, agreement.school_id, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE),
        actor=actor,
        action="agreement.revoke",
        obj=agreement,
        message=_("只有本校可以终止合作协议。"),
    )
    if agreement.revoked_at is not None:
        raise WrongState(_("该协议已终止。"))
    if not reason.strip():
        raise Invalid(_("请填写终止理由。"), errors={"reason": [_("请填写终止理由。")]})
    agreement.revoked_at = timezone.now()
    agreement.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="agreement.revoke", obj=agreement, payload={"reason": reason})
    return agreement
