"""Attachments of a filing application: upload (checked by content, stored under a random name), replace
and remove while the application is a draft or the kind is ticked for correction, and the audited opening
of a file by someone who may see the application. No file is ever deleted: a replaced or removed file is
marked (``superseded_at``, ``replaced_by``, ``removed_at``) and stays in the version history, so what was
submitted can always be read."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing.audit import audit_record
from filing.errors import Invalid, WrongState
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


def check_file(uploaded_file) -> tuple[str, str]:
    """(content type, sha256) of an acceptable file, or ``Invalid``."""
    size = getattr(uploaded_file, "size", None) or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise Invalid(_("文件过大。"), errors={"file": [_("单个文件不能超过20MB。")]})
    if size == 0:
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
    return content_type, digest.hexdigest()


def _store(*, actor, application: FilingApplication, kind: str, uploaded_file) -> Attachment:
    content_type, sha256 = check_file(uploaded_file)
    original = (uploaded_file.name or "file").replace("/", "_").replace("\\", "_").replace("\x00", "")[-200:]
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=original,
        content_type=content_type,
        size=uploaded_file.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_upload(*, actor, application: FilingApplication, kind: str, uploaded_file) -> Attachment:
    """Store a file under a random name after checking its size and its real type (by content). A new
    file of a required kind supersedes the previous one, which is kept for the change history."""
    application = lock_application(application)
    require_editable(actor, application, "attachment", kind, "attachment.upload")
    if kind not in AttachmentKind.values:
        raise Invalid(_("未知的材料类型。"), errors={"kind": [_("未知的材料类型。")]})
    attachment = _store(actor=actor, application=application, kind=kind, uploaded_file=uploaded_file)
    if kind != AttachmentKind.OTHER:
        application.attachments.filter(kind=kind, superseded_at__isnull=True).exclude(
            pk=attachment.pk
        ).update(superseded_at=timezone.now(), replaced_by=attachment)
    _bump(application)
    audit_record(
        actor=actor,
        action="attachment.upload",
        obj=attachment,
        payload={"kind": kind, "sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


def _lock_current(
    actor, application: FilingApplication, pk, action: str
) -> tuple[FilingApplication, Attachment]:
    """The application (locked) and its current attachment ``pk``; a replaced or removed one is 409."""
    application = lock_application(application)
    attachment = one_visible(
        Attachment.objects.select_for_update().filter(application=application),
        actor,
        pk,
        message=_("材料不存在。"),
    )
    require_editable(actor, application, "attachment", attachment.kind, action)
    if attachment.superseded_at is not None:
        raise WrongState(_("该材料已被替换或删除，请刷新页面。"))
    return application, attachment


@transaction.atomic
def attachment_replace(*, actor, application: FilingApplication, pk, uploaded_file) -> Attachment:
    """A new file in place of a current one (same kind); the old one is kept, marked replaced."""
    application, old = _lock_current(actor, application, pk, "attachment.replace")
    new = _store(actor=actor, application=application, kind=old.kind, uploaded_file=uploaded_file)
    old.superseded_at, old.replaced_by = timezone.now(), new
    old.save(update_fields=["superseded_at", "replaced_by"])
    _bump(application)
    audit_record(
        actor=actor,
        action="attachment.replace",
        obj=new,
        payload={"kind": new.kind, "replaces": old.pk, "sha256": new.sha256, "previous_sha256": old.sha256},
    )
    return new


@transaction.atomic
def attachment_remove(*, actor, application: FilingApplication, pk) -> Attachment:
    """Take a current file out of the application; the file is kept, marked removed."""
    application, attachment = _lock_current(actor, application, pk, "attachment.remove")
    now = timezone.now()
    attachment.superseded_at, attachment.removed_at, attachment.removed_by = now, now, actor
    attachment.save(update_fields=["superseded_at", "removed_at", "removed_by"])
    _bump(application)
    audit_record(
        actor=actor,
        action="attachment.remove",
        obj=attachment,
        payload={"kind": attachment.kind, "sha256": attachment.sha256},
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
