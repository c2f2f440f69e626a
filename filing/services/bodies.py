"""Evaluation bodies (评价机构): created or extended when an application is filed, with a collision-free
6-digit serial from the province's locked counter. The lifecycle after filing (rectification, suspension,
exit, revocation) is the body's own; its transitions live on :class:`filing.models.EvaluationBody`."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from filing.errors import Conflict
from filing.models import (
    ApplicationKind,
    BodySerialCounter,
    EvaluationBody,
    FiledLine,
    FilingApplication,
    FilingLine,
)


@transaction.atomic
def allocate_body_serial(province: str) -> str:
    """The province's next serial, from a counter row locked ``FOR UPDATE`` (never ``max()+1``)."""
    counter, _created = BodySerialCounter.objects.select_for_update().get_or_create(province_code=province)
    # get_or_create may have inserted without the lock on a brand-new province; lock it now.
    counter = BodySerialCounter.objects.select_for_update().get(pk=counter.pk)
    serial = counter.next_serial
    if serial > 999_999:
        raise Conflict(_("本省评价机构序号已用尽。"))
    counter.next_serial = serial + 1
    counter.save(update_fields=["next_serial"])
    return f"{serial:06d}"


def body_file(application: FilingApplication, today: datetime.date) -> EvaluationBody:
    """Create the body (or find the organisation's body of the same category) and file the approved lines,
    effective from ``today``. Runs inside the filing transaction of :func:`publicity.publicity_close`."""
    organisation = application.organisation
    body = (
        EvaluationBody.objects.select_for_update()
        .filter(organisation=organisation, category=application.body_category)
        .first()
    )
    if body is None:
        province = settings.FILING["PROVINCE_CODE"]
        body = EvaluationBody.objects.create(
            organisation=organisation,
            category=application.body_category,
            province_code=province,
            serial=allocate_body_serial(province),
            name=organisation.name,
            filed_on=today,
        )
    elif application.kind == ApplicationKind.CHANGE:
        body.name = organisation.name
        body.save(update_fields=["name"])
    existing = {line.offering_id: line for line in FiledLine.objects.select_for_update().filter(body=body)}
    for line in application.lines.filter(decision=FilingLine.Decision.APPROVED):
        filed = existing.get(line.offering_id)
        if filed is None:
            FiledLine.objects.create(
                body=body, offering=line.offering, application=application, effective_from=today
            )
        else:
            filed.refile(application, today)
            filed.save()
    return body
