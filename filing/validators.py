"""Validators for identifiers (DOMAIN.md §5): citizen ID numbers and the other certificate document types,
and the unified social credit code (统一社会信用代码).

Each validator raises Django's ``ValidationError`` with a Chinese message and a stable ``code``; the
``normalise_*`` helpers return the canonical form (half-width, upper-case, no surrounding spaces).
Checksums come from python-stdnum; only what it does not check (future birth dates, the residence-permit and
permanent-residence areas it refuses, numbers that Excel turned into floats) is written here.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc


class DocumentType(models.TextChoices):
    """证件类型 printed on the certificate next to the number."""

    CITIZEN_ID = "citizen_id", _("居民身份证")
    HMT_RESIDENCE_PERMIT = "hmt_permit", _("港澳台居民居住证")
    FOREIGNER_PERMANENT_RESIDENCE = "foreign_prc", _("外国人永久居留身份证")
    PASSPORT = "passport", _("护照")


# Residence permits for Hong Kong, Macau and Taiwan residents use these pseudo-area codes.
HMT_AREA_CODES = frozenset({"810000", "820000", "830000"})
_EXCEL_FLOAT = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$|^\d+\.\d*$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")


def normalise_document_number(value: object) -> str:
    """Half-width, upper-case (a lower-case ``x`` check character is common), without surrounding spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    return text.replace(" ", "")


def _reject_excel_mangling(raw: object, number: str) -> None:
    if isinstance(raw, float) or _EXCEL_FLOAT.match(number):
        raise ValidationError(
            _(
                "证件号码被表格软件转换成了数字（丢失了末位数字或变为科学计数法），请将该列设置为文本格式后重新填写。"
            ),
            code="excel_number",
        )


def _check_mod11_2(number: str) -> None:
    if len(number) != 18:
        raise ValidationError(
            _("证件号码应为18位，当前为%(length)d位。"), code="length", params={"length": len(number)}
        )
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise ValidationError(_("证件号码前17位应为数字，末位应为数字或X。"), code="format")
    try:
        expected = ric.calc_check_digit(number)
    except Exception:  # a library failure on odd input is a bad number, not a crash
        raise ValidationError(_("证件号码校验位错误，请核对是否有抄写错误。"), code="checksum") from None
    if number[-1] != expected:
        raise ValidationError(_("证件号码校验位错误，请核对是否有抄写错误。"), code="checksum")


def _check_birth_date(number: str) -> datetime.date:
    try:
        born = ric.get_birth_date(number)
    except Exception:  # stdnum's InvalidComponent, or anything else it may raise
        raise ValidationError(_("证件号码中的出生日期不存在。"), code="birth_date") from None
    if born > timezone.localdate():
        raise ValidationError(_("证件号码中的出生日期晚于今天，不可能有效。"), code="birth_date_future")
    if born.year < 1900:
        raise ValidationError(_("证件号码中的出生日期早于1900年，不可能有效。"), code="birth_date")
    return born


def validate_citizen_id(value: object) -> None:
    """居民身份证号码 (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 check, an existing birth date not
    in the future, and a real area code (python-stdnum's table)."""
    number = normalise_document_number(value)
    _reject_excel_mangling(value, number)
    _check_mod11_2(number)
    _check_birth_date(number)
    if number[:6] in HMT_AREA_CODES:
        raise ValidationError(
            _("该号码是港澳台居民居住证号码，请选择证件类型“港澳台居民居住证”。"), code="wrong_type"
        )
    if not area_code_ever_existed(number[:6]):
        raise ValidationError(_("证件号码中的地区码不存在。"), code="area")


def area_code_ever_existed(code: str) -> bool:
    """Whether a 6-digit administrative-division code exists or ever existed (GB/T 2260 and its history, as
    python-stdnum's table records it). The birth year is deliberately not compared with the years a county
    existed: people registered late, or re-registered after a re-division, keep such numbers; the check digit
    and the birth date still guard against typos. Any failure of the library's table (it has raised KeyError
    for a known province with an unknown county) means "not known", never a crash."""
    from stdnum import numdb

    try:
        parts = numdb.get("cn/loc").info(code)
        info = {key: value for _part, props in parts for key, value in props.items()}
    except Exception:  # the library's table lookup is not part of its documented errors
        return False
    return bool(info.get("county")) and bool(info.get("province"))


def validate_hmt_residence_permit(value: object) -> None:
    """港澳台居民居住证: like a citizen ID with area 810000 (HK), 820000 (Macau) or 830000 (Taiwan)."""
    number = normalise_document_number(value)
    _reject_excel_mangling(value, number)
    _check_mod11_2(number)
    if number[:6] not in HMT_AREA_CODES:
        raise ValidationError(_("港澳台居民居住证号码应以810000、820000或830000开头。"), code="area")
    _check_birth_date(number)


def validate_foreigner_permanent_residence(value: object) -> None:
    """外国人永久居留身份证 (2023 edition): 18 characters starting with 9, MOD 11-2 check."""
    number = normalise_document_number(value)
    _reject_excel_mangling(value, number)
    _check_mod11_2(number)
    if not number.startswith("9"):
        raise ValidationError(_("外国人永久居留身份证号码应以9开头。"), code="format")
    _check_birth_date(number)


def validate_passport(value: object) -> None:
    """护照: no check digit; 5–17 letters and digits."""
    number = normalise_document_number(value)
    if not _PASSPORT.match(number):
        raise ValidationError(_("护照号码应为5至17位字母或数字。"), code="format")


DOCUMENT_VALIDATORS = {
    DocumentType.CITIZEN_ID: validate_citizen_id,
    DocumentType.HMT_RESIDENCE_PERMIT: validate_hmt_residence_permit,
    DocumentType.FOREIGNER_PERMANENT_RESIDENCE: validate_foreigner_permanent_residence,
    DocumentType.PASSPORT: validate_passport,
}


def validate_document(document_type: str, value: object) -> str:
    """Validate a number of the given document type and return its normalised form."""
    try:
        validator = DOCUMENT_VALIDATORS[DocumentType(document_type)]
    except ValueError:
        raise ValidationError(
            _("未知的证件类型：%(type)s。"), code="document_type", params={"type": document_type}
        ) from None
    validator(value)
    return normalise_document_number(value)


def validate_uscc(value: object) -> None:
    """统一社会信用代码 (GB 32100-2015): 18 characters over 0-9A-HJ-NPQRTUWXY with a MOD 31 check."""
    number = normalise_document_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"), code="length", params={"length": len(number)}
        )
    try:
        uscc.validate(number)
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位错误。"), code="checksum") from None
    except Exception:  # stdnum's ValidationError subclasses, or anything else on odd input
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V，前8位应为数字）。"), code="format"
        ) from None


def mask_document_number(number: str, *, public: bool = False) -> str:
    """Staff see ``3101**********1234``; public pages see less (``3*************4`` style)."""
    number = normalise_document_number(number)
    if len(number) <= 4:
        return "*" * len(number)
    if public:
        return number[0] + "*" * (len(number) - 2) + number[-1]
    if len(number) < 12:  # passports and other short numbers: most of them hidden
        return number[0] + "*" * (len(number) - 3) + number[-2:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# Anything that looks like an 18-character ID number; used to scrub logs and audit payloads.
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def scrub_identifiers(text: str) -> str:
    """Mask every 18-character ID-like token in free text."""
    return ID_LIKE.sub(lambda m: mask_document_number(m.group(0)), text)
