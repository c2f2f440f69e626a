"""直接认定 (DOMAIN.md §8): an enterprise body's 直接认定 plan (高级工 and above, ``filing.methods``) takes
its outstanding front-line workers one by one with their evidence; nothing of education, seniority, age or
quota is asked or checked. The experts' 综合评审 of the evidence is the plan's one assessment part (a
sitting staffed from the evaluator register, scores entered as for any part); results publicity, the
authority's audit and issuance follow as for every plan, so the certificate has the same numbering, PDF and
verification."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from filing import contact, eligibility, methods, pii
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    PLAN_NOT_STARTED,
    EvaluationPlan,
    PlanStatus,
    RecognitionEvidence,
    Registration,
)
from filing.services.challenges import contact_index
from filing.services.common import lock_plan, require_operator, require_status
from filing.services.competitions import candidates_for
from filing.services.roster import duplicates_elsewhere, read_identity, same_name
from filing.services.supervision import text
from filing.standing import Activity, ensure_standing
from filing.validators import DocumentType

#: The evidence fields (all text); 主要业绩 is required, the others as the worker has them.
EVIDENCE_FIELDS = ("achievements", "awards", "patents", "problems_solved", "apprentices", "work_sample")
EVIDENCE_LIMIT = 4000


def _evidence(values: dict) -> dict:
    cleaned = {
        "post": text(values.get("post"), "post", _("请填写岗位。"), 60),
        "employee_number": text(values.get("employee_number"), "employee_number", "", 30),
        "achievements": text(
            values.get("achievements"), "achievements", _("请填写主要业绩。"), EVIDENCE_LIMIT
        ),
    }
    for field in EVIDENCE_FIELDS[1:]:
        cleaned[field] = text(values.get(field), field, "", EVIDENCE_LIMIT)
    years = str(values.get("years_in_occupation") or "").strip()
    if years and not (years.isascii() and years.isdigit() and int(years) <= 70):
        message = _("从事本职业年限应为0至70之间的整数（可不填：直接认定不设年限要求）。")
        raise Invalid(message, errors={"years_in_occupation": [message]})
    cleaned["years_in_occupation"] = int(years) if years else None
    return cleaned


def _person(values: dict) -> dict:
    errors: dict[str, list[str]] = {}

    def err(key: str, reason: str) -> None:
        errors.setdefault(key, []).append(reason)

    document_type = str(values.get("document_type") or "")
    labelled = dict(values) | {
        "document_type": str(DocumentType(document_type).label)
        if document_type in DocumentType.values
        else document_type
    }
    name, doc_type, number = read_identity(labelled, err)
    contact_value = ""
    contact_text = str(values.get("contact") or "").strip()
    if contact_text:
        try:
            contact_value = contact.normalise(contact_text, sendable=False)
        except ValidationError as exc:
            err("contact", exc.messages[0])
    if errors:
        raise Invalid(_("认定对象信息有误。"), errors=errors)
    return {
        "name": name,
        "document_type": doc_type,
        "number": number,
        "index": pii.index(doc_type, number),
        "contact": contact_value,
    }


@transaction.atomic
def recognition_add(*, actor, plan: EvaluationPlan, values: dict) -> Registration:
    """Add one worker with their evidence to an open 直接认定 plan."""
    plan = lock_plan(plan)
    require_operator(actor, plan, "recognition.add")
    require_status(
        plan, PlanStatus.REGISTRATION_OPEN, message=_("认定计划经确认并开放报名后才能添加认定对象。")
    )
    refusal = methods.intake_refusal(plan, "evidence")
    if refusal:
        raise WrongState(refusal)
    ensure_standing(plan.body, plan.line, Activity.REGISTER)
    person = _person(values)
    evidence = _evidence(values)
    row = (plan.registrations.aggregate(last=Max("row_number"))["last"] or 0) + 1
    person["row"] = row
    people = candidates_for([person])
    candidate = people[person["index"]]
    if not same_name(candidate.name, person["name"]):
        raise Invalid(_("姓名与证件号码不一致。"), errors={"name": [_("姓名与证件号码不一致。")]})
    clashes = duplicates_elsewhere(plan, [person])
    if clashes:
        raise Invalid(clashes[0].reason, errors={"document_number": [clashes[0].reason]})
    registration = Registration(
        plan=plan,
        candidate=candidate,
        school=plan.body.organisation,
        full_time=False,
        row_number=row,
        contact_encrypted=pii.encrypt_text(person["contact"]) if person["contact"] else "",
        contact_index=contact_index(person["contact"]) if person["contact"] else "",
    )
    registration.mark_eligible(eligibility.evaluate(plan, None))
    registration.save()
    RecognitionEvidence.objects.create(registration=registration, updated_by=actor, **evidence)
    audit_record(
        actor=actor,
        action="recognition.add",
        obj=plan,
        payload={"registration": registration.pk, "document": candidate.document_masked},
    )
    return registration


@transaction.atomic
def evidence_update(*, actor, registration: Registration, values: dict) -> RecognitionEvidence:
    """Correct a worker's evidence until the review starts (the experts judge what they were given)."""
    plan = lock_plan(registration.plan)
    require_operator(actor, plan, "recognition.evidence")
    if plan.status not in PLAN_NOT_STARTED or not methods.takes_evidence(plan):
        raise WrongState(_("评审开始后不能再修改认定材料。"))
    evidence = RecognitionEvidence.objects.select_for_update().get(registration=registration)
    for field, value in _evidence(values).items():
        setattr(evidence, field, value)
    evidence.updated_by = actor
    evidence.save()
    audit_record(
        actor=actor, action="recognition.evidence", obj=plan, payload={"registration": registration.pk}
    )
    return evidence
