"""Identifier validators (DOMAIN.md §5): citizen ID and the other document types, 统一社会信用代码, masking.

No database: these are pure functions. The property tests check the error-detection guarantees of the two
check schemes (ISO 7064 MOD 11-2 for ID numbers, the GB 32100 MOD 31 scheme for USCC): every single-character
substitution and every adjacent transposition of two different characters is caught.
"""

from __future__ import annotations

import contextlib
import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from filing.validators import (
    DocumentType,
    mask_document_number,
    normalise_document_number,
    scrub_identifiers,
    validate_citizen_id,
    validate_document,
    validate_foreigner_permanent_residence,
    validate_hmt_residence_permit,
    validate_passport,
    validate_uscc,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ID_ALPHABET = "0123456789X"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Area codes that python-stdnum's table accepts for every birth year from 1950 to 2008 (checked day by day
# while writing these tests). Newer districts such as 310115 (浦东新区, 1992), 440305 (南山区, 1983+) or
# 310112 (闵行区, 1981+) are refused by stdnum for births before they existed, so they are not in this list.
STABLE_AREAS = (
    "110101",  # 北京 东城区
    "110102",  # 北京 西城区
    "110105",  # 北京 朝阳区
    "110108",  # 北京 海淀区
    "120101",  # 天津 和平区
    "120103",  # 天津 河西区
    "310101",  # 上海 黄浦区
    "310104",  # 上海 徐汇区
    "310106",  # 上海 静安区
    "310107",  # 上海 普陀区
    "310109",  # 上海 虹口区
    "310110",  # 上海 杨浦区
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)


def with_check_digit(first17: str) -> str:
    """Complete a 17-digit ID prefix (stdnum's calc_check_digit expects the check position to be present)."""
    assert len(first17) == 17
    return first17 + ric.calc_check_digit(first17 + "0")


def with_uscc_check(first17: str) -> str:
    assert len(first17) == 17
    return first17 + uscc.calc_check_digit(first17 + "0")


def error_of(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value


def assert_chinese(error: ValidationError) -> None:
    for message in error.messages:
        assert CJK.search(message), message


def is_rejected(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError as error:
        assert_chinese(error)
        return True
    return False


# --- citizen ID: examples -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",
        "310115200801240020",
        "11010519491231002x",
        " 11010519491231002x ",
        "\u300011010519491231002X\u3000",  # ideographic spaces
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_valid_citizen_ids(value):
    validate_citizen_id(value)


def test_normalisation():
    assert normalise_document_number(" １１０１０５１９４９１２３１００２ｘ ") == "11010519491231002X"
    assert normalise_document_number("1101 0519 4912 3100 2x") == "11010519491231002X"
    assert normalise_document_number(None) == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("360426199101010072", "checksum"),
        ("310101200502301235", "birth_date"),  # no 30 February
        ("31011520080124002", "length"),
        ("3101152008012400200", "length"),
        ("", "length"),
        ("31011520080124A020", "format"),
        ("X10115200801240020", "format"),
        (3.10115200801240e17, "excel_number"),
        ("3.10115E+17", "excel_number"),
        ("3.10115200801240E+17", "excel_number"),
        ("310115200801240000.0", "excel_number"),
    ],
)
def test_invalid_citizen_ids(value, code):
    error = error_of(validate_citizen_id, value)
    assert error.code == code
    assert_chinese(error)


def test_length_message_states_the_length():
    error = error_of(validate_citizen_id, "31011520080124002")
    assert error.messages == ["证件号码应为18位，当前为17位。"]


def test_birth_date_in_the_future_is_refused_and_says_why():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    number = with_check_digit("110105" + tomorrow.strftime("%Y%m%d") + "001")
    assert ric.calc_check_digit(number) == number[-1]  # the checksum is right: only the date is wrong
    error = error_of(validate_citizen_id, number)
    assert error.code == "birth_date_future"
    assert "出生日期" in error.messages[0] and "晚于今天" in error.messages[0]


def test_today_as_birth_date_is_accepted():
    today = timezone.localdate()
    validate_citizen_id(with_check_digit("110105" + today.strftime("%Y%m%d") + "001"))


def test_birth_date_before_1900_is_refused():
    error = error_of(validate_citizen_id, with_check_digit("11010518991231001"))
    assert error.code == "birth_date"
    assert_chinese(error)


def test_unknown_area_is_refused():
    error = error_of(validate_citizen_id, with_check_digit("99999919800101001"))
    assert error.code == "area"
    assert_chinese(error)


@pytest.mark.parametrize("area", ["810000", "820000", "830000"])
def test_hmt_permit_is_a_different_document_type(area):
    number = with_check_digit(area + "19900101001")
    error = error_of(validate_citizen_id, number)
    assert error.code == "wrong_type"
    assert "港澳台居民居住证" in error.messages[0]
    validate_hmt_residence_permit(number)
    validate_hmt_residence_permit(number.lower().center(24))


def test_hmt_permit_rules():
    assert error_of(validate_hmt_residence_permit, "310115200801240020").code == "area"
    assert error_of(validate_hmt_residence_permit, "810000199001010010").code == "checksum"
    assert error_of(validate_hmt_residence_permit, with_check_digit("81000019900230001")).code == "birth_date"
    assert error_of(validate_hmt_residence_permit, 8.10000199001010e17).code == "excel_number"


def test_foreigner_permanent_residence():
    number = with_check_digit("93015619900101001")
    assert number[0] == "9" and len(number) == 18
    validate_foreigner_permanent_residence(number)
    # A citizen ID number is not a permanent-residence number, and vice versa.
    assert error_of(validate_foreigner_permanent_residence, "310115200801240020").code == "format"
    assert error_of(validate_citizen_id, number).code == "area"
    wrong_check = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert error_of(validate_foreigner_permanent_residence, wrong_check).code == "checksum"
    assert error_of(validate_foreigner_permanent_residence, number[:-1]).code == "length"


@pytest.mark.parametrize("value", ["E12345678", "G1234567", "e1234567 8", "P12345", "A" * 17, "12345"])
def test_valid_passports(value):
    validate_passport(value)


@pytest.mark.parametrize("value", ["E123", "", "A" * 18, "E1234567-8", "护照123456", "E12345678."])
def test_invalid_passports(value):
    error = error_of(validate_passport, value)
    assert error.code == "format"
    assert_chinese(error)


def test_validate_document_dispatches_and_normalises():
    hmt = with_check_digit("82000019850606002")
    foreign = with_check_digit("93015619900101001")
    assert validate_document(DocumentType.CITIZEN_ID, " 11010519491231002x ") == "11010519491231002X"
    assert validate_document("citizen_id", "310115200801240020") == "310115200801240020"
    assert validate_document(DocumentType.HMT_RESIDENCE_PERMIT, hmt.lower()) == hmt
    assert validate_document(DocumentType.FOREIGNER_PERMANENT_RESIDENCE, foreign) == foreign
    assert validate_document(DocumentType.PASSPORT, "e1234567 8") == "E12345678"
    # The same number under the wrong type is refused.
    assert error_of(lambda v: validate_document("citizen_id", v), hmt).code == "wrong_type"
    assert error_of(lambda v: validate_document("hmt_permit", v), "310115200801240020").code == "area"
    assert error_of(lambda v: validate_document("passport", v), "E1").code == "format"


@pytest.mark.parametrize("document_type", ["driving_licence", "", "CITIZEN_ID", None])
def test_validate_document_unknown_type(document_type):
    error = error_of(lambda v: validate_document(document_type, v), "310115200801240020")
    assert error.code == "document_type"
    assert_chinese(error)


# --- 统一社会信用代码 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["91110108551385082Q", "91110108551385082q", " 91110108551385082Q ", "91110000600037341L"]
)
def test_valid_uscc(value):
    validate_uscc(value)


def test_uscc_wrong_check_character():
    error = error_of(validate_uscc, "91110108551385082A")
    assert error.code == "checksum"
    assert_chinese(error)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
@pytest.mark.parametrize("position", [8, 12, 16, 17])
def test_uscc_forbidden_letters(letter, position):
    number = "91110108551385082Q"
    number = number[:position] + letter + number[position + 1 :]
    error = error_of(validate_uscc, number)
    assert error.code == "format"
    assert_chinese(error)


def test_uscc_letters_in_first_eight_positions():
    number = with_uscc_check("A1110108551385082")
    error = error_of(validate_uscc, number)
    assert error.code == "format"


@pytest.mark.parametrize("value", ["91110108551385082", "91110108551385082QQ", "", "9111"])
def test_uscc_wrong_length(value):
    error = error_of(validate_uscc, value)
    assert error.code == "length"
    assert_chinese(error)


# --- masking ----------------------------------------------------------------------------------------------


def test_staff_mask():
    assert mask_document_number("310115200801240020") == "3101**********0020"
    assert mask_document_number("11010519491231002x") == "1101**********002X"
    assert mask_document_number("E12345678") == "E******78"
    assert mask_document_number("1234") == "****"


def test_public_mask_shows_less():
    number = "310115200801240020"
    public = mask_document_number(number, public=True)
    staff = mask_document_number(number)
    assert len(public) == len(staff) == 18
    assert public == "3" + "*" * 16 + "0"
    assert public.count("*") > staff.count("*")
    assert number not in public


def test_scrub_identifiers_in_free_text():
    text = "申请人张三，身份证号310115200801240020，手机13800000000；另一人11010519491231002x。"
    scrubbed = scrub_identifiers(text)
    assert "310115200801240020" not in scrubbed
    assert "11010519491231002" not in scrubbed.upper()
    assert "3101**********0020" in scrubbed
    assert "1101**********002X" in scrubbed
    assert "13800000000" in scrubbed  # a phone number is not an ID number
    assert scrubbed.startswith("申请人张三，身份证号") and scrubbed.endswith("。")


# --- properties: citizen ID --------------------------------------------------------------------------------


@st.composite
def citizen_ids(draw) -> str:
    area = draw(st.sampled_from(STABLE_AREAS))
    born = draw(st.dates(datetime.date(1950, 1, 1), datetime.date(2008, 12, 31)))
    sequence = draw(st.integers(0, 999))
    return with_check_digit(f"{area}{born:%Y%m%d}{sequence:03d}")


@PROPERTY_SETTINGS
@given(citizen_ids())
def test_property_generated_citizen_ids_are_accepted(number):
    assert ric.is_valid(number)
    validate_citizen_id(number)
    validate_citizen_id(number.lower())
    assert validate_document(DocumentType.CITIZEN_ID, f" {number.lower()} ") == number


@PROPERTY_SETTINGS
@given(citizen_ids(), st.integers(0, 17), st.sampled_from(ID_ALPHABET))
def test_property_any_single_substitution_is_rejected(number, position, replacement):
    if number[position] == replacement:
        replacement = ID_ALPHABET[(ID_ALPHABET.index(replacement) + 1) % len(ID_ALPHABET)]
    mutated = number[:position] + replacement + number[position + 1 :]
    assert mutated != number
    assert is_rejected(validate_citizen_id, mutated), mutated


@PROPERTY_SETTINGS
@given(citizen_ids(), st.integers(0, 16))
def test_property_any_adjacent_transposition_is_rejected(number, position):
    a, b = number[position], number[position + 1]
    if a == b:
        # Move to the nearest adjacent pair of different characters (there is always one: the 8 birth-date
        # digits alone cannot all be equal).
        pairs = [i for i in range(17) if number[i] != number[i + 1]]
        position = min(pairs, key=lambda i: abs(i - position))
        a, b = number[position], number[position + 1]
    mutated = number[:position] + b + a + number[position + 2 :]
    assert mutated != number
    assert is_rejected(validate_citizen_id, mutated), mutated


# --- properties: 统一社会信用代码 ---------------------------------------------------------------------------


@st.composite
def usccs(draw) -> str:
    head = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    body = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    return with_uscc_check(head + body)


@PROPERTY_SETTINGS
@given(usccs())
def test_property_generated_usccs_are_accepted(code):
    assert uscc.is_valid(code)
    validate_uscc(code)
    validate_uscc(f" {code.lower()} ")


@PROPERTY_SETTINGS
@given(usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_property_uscc_single_substitution_is_rejected(code, position, replacement):
    if code[position] == replacement:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % len(USCC_ALPHABET)]
    mutated = code[:position] + replacement + code[position + 1 :]
    assert mutated != code
    assert is_rejected(validate_uscc, mutated), mutated


@PROPERTY_SETTINGS
@given(usccs(), st.integers(0, 16))
def test_property_uscc_adjacent_transposition_is_rejected(code, position):
    pairs = [i for i in range(17) if code[i] != code[i + 1]]
    if not pairs:  # 18 equal characters cannot carry a valid check character, but stay safe
        return
    position = min(pairs, key=lambda i: abs(i - position))
    a, b = code[position], code[position + 1]
    mutated = code[:position] + b + a + code[position + 2 :]
    assert mutated != code
    assert is_rejected(validate_uscc, mutated), mutated


# --- area codes: any code that ever existed; the library never crashes the caller --------------------------


@pytest.mark.parametrize("area", ["310199", "310150", "310198", "110199"])
def test_unknown_county_of_a_known_province_is_a_validation_error(area):
    """python-stdnum raises KeyError('county') for these (a known province, an unknown county): a bad
    number, never a crash."""
    error = error_of(validate_citizen_id, with_check_digit(area + "20050612001"))
    assert error.code == "area"
    assert_chinese(error)


@pytest.mark.parametrize(
    ("area", "birth"),
    [
        ("310225", "20050612"),  # 南汇县 (1982–2001), merged into 浦东新区: a number re-used after 2001
        ("310115", "19800101"),  # 浦东新区 (1992–), someone born before it existed and registered later
        ("310112", "19700101"),  # 闵行区 (1981–)
    ],
)
def test_a_code_that_existed_at_any_time_is_accepted_whatever_the_birth_year(area, birth):
    number = with_check_digit(area + birth + "001")
    assert not ric.is_valid(number)  # python-stdnum alone would refuse it
    validate_citizen_id(number)


@PROPERTY_SETTINGS
@given(
    area=st.text("0123456789", min_size=6, max_size=6),
    born=st.dates(datetime.date(1890, 1, 1), datetime.date(2100, 12, 31)),
    sequence=st.integers(0, 999),
    check=st.sampled_from(list(ID_ALPHABET) + ["x", "Y", ""]),
)
def test_property_any_area_date_and_check_digit_gives_a_value_or_a_validation_error(
    area, born, sequence, check
):
    """Random area codes, dates and check characters: the validators return or raise ValidationError, and a
    refused number has a Chinese message with a code — nothing else escapes (KeyError, IndexError...)."""
    number = f"{area}{born:%Y%m%d}{sequence:03d}{check}"
    for validator in (
        validate_citizen_id,
        validate_hmt_residence_permit,
        validate_foreigner_permanent_residence,
    ):
        try:
            validator(number)
        except ValidationError as error:
            assert error.code
            assert_chinese(error)


@PROPERTY_SETTINGS
@given(st.text(max_size=30))
def test_property_arbitrary_text_never_escapes_as_another_exception(text):
    for document_type in [*DocumentType.values, "bogus"]:
        with contextlib.suppress(ValidationError):
            validate_document(document_type, text)
    with contextlib.suppress(ValidationError):
        validate_uscc(text)
