"""Logs that never carry an ID number: a filter on every handler, and the JSON formatter of production.

``IdentifierFilter`` rewrites each record before any formatter sees it: the message (with its arguments
merged in), every extra field (strings, and strings inside lists and dicts), the formatted exception and
the stack. It masks 18-character resident ID numbers (also written with spaces or hyphens, or in full-width
digits) and the 15-digit first-generation ones as ``3101**********1234``. It masks more than the register
would call an ID number (any such run of digits), which is the safe side for a log.

``LOG_FORMAT=json`` (the default in production) writes one JSON object a line with python-json-logger
(BSD-2-Clause); ``plain`` is the development default.
"""

from __future__ import annotations

import logging
import re

DIGIT = r"[0-9０-９]"
CHECK = r"[0-9０-９XxＸｘ]"
SEP = r"[ \-‐－]?"
#: 18 characters (6 + 8 + 4, optionally separated) or the 15-digit first-generation number.
ID_NUMBER = re.compile(
    rf"(?<![0-9０-９]){DIGIT}{{6}}{SEP}{DIGIT}{{8}}{SEP}{DIGIT}{{3}}{CHECK}(?![0-9０-９])"
    rf"|(?<![0-9０-９]){DIGIT}{{15}}(?![0-9０-９])"
)
#: Attributes every LogRecord has; anything else came in through ``extra=``.
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def _mask(match: re.Match) -> str:
    text = match.group(0)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def scrub(value):
    """The value with every ID-like number masked (strings, and strings inside lists, tuples and dicts)."""
    if isinstance(value, str):
        return ID_NUMBER.sub(_mask, value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return type(value)(scrub(v) for v in value)
    return value


class IdentifierFilter(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep what there is rather than drop the record
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = scrub(message), None
        for name, value in list(vars(record).items()):
            if name not in STANDARD:
                setattr(record, name, scrub(value))
        if record.exc_info:
            record.exc_text = scrub(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
