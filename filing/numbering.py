"""Certificate numbers. The national 22-character format is the default; older and regional formats exist,
so the formatter is pluggable (``settings.CERTIFICATE_NUMBER_FORMATTER``, a dotted path to a class with
``format(...)``, ``max_serial`` and ``pattern``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NumberParts:
    category: str  # Y or S
    ministry_code: str  # 4 digits, 0000 for locally filed bodies
    province_code: str  # 2 digits, Shanghai 31
    body_serial: str  # 6 digits
    year: int  # issue year
    level: int  # 1..5
    serial: int  # per (body, year, level)


class NationalFormat:
    """[YS] + ministry code(4) + province(2) + body serial(6) + year(2) + level(1) + serial(6) = 22 chars."""

    pattern = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")
    max_serial = 999_999

    def format(self, parts: NumberParts) -> str:
        if parts.serial > self.max_serial:
            raise OverflowError("certificate serial exhausted")
        number = (
            f"{parts.category}{parts.ministry_code}{parts.province_code}{parts.body_serial}"
            f"{parts.year % 100:02d}{parts.level}{parts.serial:06d}"
        )
        if not self.pattern.match(number):
            raise ValueError(f"not a national certificate number: {number}")
        return number


def formatter():
    path = getattr(settings, "CERTIFICATE_NUMBER_FORMATTER", "filing.numbering.NationalFormat")
    return import_string(path)()
