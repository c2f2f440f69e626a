"""Certificate photos (DOMAIN.md §5: the photo is mandatory certificate content unless the plan waives it).

The issuing body's operator uploads one per registration. The upload is judged by its content (a JPEG or
PNG that Pillow decodes, within size and pixel limits), re-encoded as a fresh JPEG so nothing the file
carried (EXIF, GPS, ICC profiles, comments, trailing bytes) survives, and stored encrypted like the ID
number. It is only ever decrypted into the certificate PDF."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from filing import access, pii
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import Registration, RegistrationPhoto, RegistrationStatus
from filing.services.common import deny_unless

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 6000 * 6000
MIN_SIDE = 100
#: A 35 × 45 mm two-inch photo at 300 dpi.
PHOTO_SIZE = (413, 531)
SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def _invalid(message: str) -> Invalid:
    return Invalid(message, errors={"photo": [message]})


def clean_photo(data: bytes, *, within: tuple[int, int] | None = None) -> bytes:
    """The upload re-encoded as a metadata-free JPEG cropped to :data:`PHOTO_SIZE` (a certificate photo), or
    scaled to fit ``within`` uncropped (a scene photo); ``Invalid`` for anything that is not a sound JPEG or
    PNG photo."""
    if len(data) > MAX_PHOTO_BYTES:
        raise _invalid(_("照片不能超过2MB。"))
    if not data.startswith(SIGNATURES):
        raise _invalid(_("照片须为JPEG或PNG图片。"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("JPEG", "PNG"):
                    raise _invalid(_("照片须为JPEG或PNG图片。"))
                if probe.width * probe.height > MAX_PIXELS:
                    raise _invalid(_("照片像素过大。"))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if min(image.size) < MIN_SIDE:
                    raise _invalid(_("照片太小（短边至少%(n)d像素）。") % {"n": MIN_SIDE})
                if within:
                    fitted = ImageOps.contain(image.convert("RGB"), within, Image.Resampling.LANCZOS)
                else:
                    fitted = ImageOps.fit(image.convert("RGB"), PHOTO_SIZE, Image.Resampling.LANCZOS)
                # A fresh image from the pixels alone: Pillow would carry comments and profiles in .info.
                image = Image.frombytes("RGB", fitted.size, fitted.tobytes())
    except Invalid:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _invalid(_("照片无法识别或已损坏。")) from exc
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as exc:
        raise _invalid(_("照片无法识别或已损坏。")) from exc
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, optimize=True)
    return out.getvalue()


@transaction.atomic
def registration_photo_upload(*, actor, registration: Registration, data: bytes) -> RegistrationPhoto:
    """The body's operator stores the certificate photo of one registration (replacing an earlier one)
    until its certificate is issued."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("plan__body", "candidate")
        .get(pk=registration.pk)
    )
    deny_unless(
        access.operates_body(actor, registration.plan.body),
        actor=actor,
        action="registration.photo",
        obj=registration,
        message=_("只有本评价机构考务人员可以上传证书照片。"),
    )
    if registration.status == RegistrationStatus.CERTIFIED:
        raise WrongState(_("证书已发放，不能再更换照片。"))
    cleaned = clean_photo(data)
    digest = hashlib.sha256(cleaned).hexdigest()
    stored, created = RegistrationPhoto.objects.update_or_create(
        registration=registration,
        defaults={"encrypted": pii.encrypt_bytes(cleaned), "sha256": digest, "uploaded_by": actor},
    )
    audit_record(
        actor=actor,
        action="registration.photo",
        obj=registration,
        payload={
            "candidate": registration.candidate.document_masked,
            "sha256": digest,
            "replaced": not created,
        },
    )
    return stored


def photo(registration: Registration) -> bytes | None:
    """The decrypted photo, for the certificate PDF only."""
    stored = RegistrationPhoto.objects.filter(registration=registration).only("encrypted").first()
    return pii.decrypt_bytes(stored.encrypted) if stored else None


def missing_photos(plan):
    """Passing registrations of ``plan`` whose certificate would lack its photo (none when the plan
    waives photos)."""
    if plan.photos_waived:
        return Registration.objects.none()
    return (
        Registration.objects.filter(plan=plan, status=RegistrationStatus.PASSED, photo__isnull=True)
        .select_related("candidate")
        .order_by("row_number", "pk")
    )


def require_photos(plan) -> None:
    """Refuse issuance while a passing candidate has no photo and the plan does not waive photos."""
    missing = list(missing_photos(plan)[:21])
    if not missing:
        return
    names = "、".join(
        f"{r.candidate.name}（{_('第%(n)s行') % {'n': r.row_number or '—'}}）" for r in missing[:20]
    )
    more = _("等") if len(missing) > 20 else ""
    raise WrongState(
        _("以下合格考生尚未上传证书照片，不能发放证书（或在计划中设为免交照片）：%(names)s%(more)s")
        % {"names": names, "more": more}
    )
