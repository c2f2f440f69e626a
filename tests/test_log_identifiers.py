"""No log line carries an ID number, whatever the message, its arguments, its extra fields or the exception
(config/logs.py), in the plain and in the JSON format."""

from __future__ import annotations

import io
import json
import logging
import logging.config

from django.conf import settings
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from config.logs import IdentifierFilter, scrub

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
#: Text around an ID number: anything but a digit (a digit next to it makes a longer number, not an ID).
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="\x00"), max_size=30
)


@st.composite
def id_numbers(draw) -> str:
    """An ID number as people write it: 18 characters (check X or x), spaced or hyphenated, full-width,
    or the 15-digit first generation."""
    if draw(st.booleans()) and draw(st.booleans()):
        return "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=15, max_size=15)))
    digits = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=17, max_size=17)))
    number = digits + draw(st.sampled_from("0123456789Xx"))
    sep = draw(st.sampled_from(["", "", " ", "-"]))
    if sep:
        number = number[:6] + sep + number[6:14] + sep + number[14:]
    if draw(st.booleans()):
        number = number.translate(FULLWIDTH)
    return number


def _logger(fmt: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger whose handler is configured as settings.LOGGING's console handler, writing to a buffer."""
    stream = io.StringIO()
    config = settings.LOGGING
    formatter_spec = dict(config["formatters"][fmt])
    factory = formatter_spec.pop("()", None)
    if factory:
        from django.utils.module_loading import import_string

        formatter = import_string(factory)(**formatter_spec)
    else:
        formatter = logging.Formatter(formatter_spec["format"])
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(IdentifierFilter())
    logger = logging.getLogger(f"tests.log_identifiers.{fmt}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def _interior(number: str) -> str:
    """What must never be seen: everything between the first four and the last four characters."""
    return number[4:-4]


@hsettings(max_examples=150, deadline=None)
@given(number=id_numbers(), before=TEXT, after=TEXT, fmt=st.sampled_from(["plain", "json"]))
def test_no_id_number_reaches_a_log_line(number, before, after, fmt):
    logger, stream = _logger(fmt)
    text = f"{before}{number}{after}"
    logger.info("holder %s imported", text)  # through an argument
    logger.warning(text)  # in the message itself
    logger.info("row", extra={"holder": text, "row": {"id": [text], "n": 1}})
    try:
        raise ValueError(f"bad row: {text}")
    except ValueError:
        logger.exception("import failed")
    logger.info("where", stack_info=True, extra={"note": text})
    out = stream.getvalue()
    assert _interior(number) not in out
    assert number not in out
    if fmt == "json":
        for line in out.splitlines():
            if line.startswith("{"):
                json.loads(line)  # one object a line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_scrub_never_fails_and_is_idempotent(text):
    once = scrub(text)
    assert scrub(once) == once
    assert len(once) == len(text)


def test_other_numbers_stay_readable():
    # A certificate number (a letter and 21 digits) is not an ID number; its digits stay.
    assert scrub("certificate Y310000110000126300001") == "certificate Y310000110000126300001"
    assert scrub("SF-2026-0001, 12 rows, 2026-07-01") == "SF-2026-0001, 12 rows, 2026-07-01"
    assert scrub("ID310101199001011234.") == "ID3101**********1234."


def test_the_settings_wire_the_filter_to_the_console(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["identifiers"]
    assert settings.LOGGING["filters"]["identifiers"]["()"] == "config.logs.IdentifierFilter"
