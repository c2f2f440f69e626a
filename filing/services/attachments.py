"""Attachments of a filing application: upload (checked by content, stored under a random name) and the
audited opening of a file by someone who may see the application."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import Attachment, AttachmentKind, FilingApplication
from filing.selectors import applications_visible_to, one_visible
from filing.services.common import lock_application
from filing.services.corrections import require_editable

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Accepted by content, not by name: PDF, JPEG, PNG.
SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def _bump(application: FilingApplication) -> None:
    application.version += 1
    application.save(update_fields=["version"])


@transaction.atomic
def attachment_upload(*, actor, application: FilingApplication, kind: str, uploaded_file) -> Attachment:
    """Store a file under a random name after checking its size and its real type (by content). A new
    file of a required kind supersedes the previous one, which is kept for the change history."""
    application = lock_application(application)
    require_editable(actor, application, "attachment", kind, "attachment.upload")
    if kind not in AttachmentKind.values:
        raise Invalid(_("未知的材料类型。"), errors={"kind": [_("未知的材料类型。")]})
    if uploaded_file.size > MAX_ATTACHMENT_BYTES:
        raise Invalid(_("文件过大。"), errors={"file": [_("单个文件不能超过20MB。")]})
    if uploaded_file.size == 0:
        raise Invalid(_("文件为空。"), errors={"file": [_("文件为空。")]})
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise Invalid(
            _("文件类型不允许。"), errors={"file": [_("只接受PDF、JPG、PNG文件（按文件内容识别）。")]}
        )
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    if kind != AttachmentKind.OTHER:
        application.attachments.filter(kind=kind, superseded_at__isnull=True).update(
            superseded_at=timezone.now()
        )
    original = (uploaded_file.name or "file").replace("/", "_").replace("\\", "_").replace("\x00", "")[-200:]
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=original,
        content_type=content_type,
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    attachment.save()
    _bump(application)
    audit_record(
        actor=actor,
        action="attachment.upload",
        obj=attachment,
        payload={"kind": kind, "sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


@transaction.atomic
def attachment_open(*, actor, pk) -> Attachment:
    """An attachment of an application the actor may see (NotFound otherwise); the access is audited."""
    attachment = one_visible(
        Attachment.objects.select_related("application").filter(
            application__in=applications_visible_to(actor)
        ),
        actor,
        pk,
        message=_("材料不存在。"),
    )
    audit_record(actor=actor, action="attachment.download", obj=attachment)
    return attachment
