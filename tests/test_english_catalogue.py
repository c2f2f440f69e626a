"""The English catalogue (locale/en): complete, not fuzzy, placeholders intact, no Chinese left, compiled,
and actually used by the pages when the user chose English."""

from __future__ import annotations

import gettext as gettext_module
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

from filing.roles import Role
from tests import factories

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")

#: msgids whose English msgstr may keep Chinese characters because the text is data, not interface (e.g. an
#: official Chinese proper name that has no English form). Empty today: every msgid is interface text or a
#: name with an English form (浦东新区 = Pudong New Area). Add an msgid here only with a reason beside it.
CJK_ALLOWED: dict[str, str] = {}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: flags, msgctxt, msgid, msgid_plural, msgstr / msgstr[n] and continuation lines.
    Obsolete (#~) entries and comments are skipped."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, target, started
        if started:
            entries.append(current)
        current, target, started = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            current.msgctxt, target = _unquote(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            current.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            if started and target and target[0] == "msgstr":
                finish()
            current.msgid, target, started, current.line = _unquote(line[6:]), ("msgid", 0), True, number
        elif match := re.match(r"msgstr\[(\d+)\] (.*)", line):
            index = int(match.group(1))
            current.msgstr[index], target = _unquote(match.group(2)), ("msgstr", index)
        elif line.startswith("msgstr "):
            current.msgstr[0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            kind, index = target
            if kind == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, kind, getattr(current, kind) + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_PATH.exists(), "run makemessages -l en and translate"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    """Every entry but the header."""
    return [e for e in entries if e.msgid]


def _label(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def test_catalogue_is_substantial(messages):
    assert len(messages) > 500


def test_no_entry_is_fuzzy(entries):
    fuzzy = [_label(e) if e.msgid else "header" for e in entries if "fuzzy" in e.flags]
    assert fuzzy == []


def test_header_declares_english_utf8(entries):
    header = next(e for e in entries if not e.msgid).msgstr[0]
    assert "Language: en\n" in header
    assert "charset=UTF-8" in header


def test_every_message_is_translated(messages):
    untranslated = []
    for e in messages:
        expected_forms = {0, 1} if e.msgid_plural is not None else {0}
        if set(e.msgstr) != expected_forms or not all(s.strip() for s in e.msgstr.values()):
            untranslated.append(_label(e))
    assert untranslated == []


def test_placeholders_and_tags_are_kept(messages):
    broken = []
    for e in messages:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid_plural, e.msgid_plural]
        for index, source in enumerate(sources):
            translated = e.msgstr.get(index, "")
            if _placeholders(translated) != _placeholders(source):
                broken.append(f"{_label(e)}: placeholders {_placeholders(translated)}")
            if "python-format" in e.flags and translated.count("%%") != source.count("%%"):
                broken.append(f"{_label(e)}: literal %% count differs")
            if sorted(HTML_TAG.findall(translated)) != sorted(HTML_TAG.findall(source)):
                broken.append(f"{_label(e)}: HTML tags differ")
    assert broken == []


def test_no_chinese_left_in_translations(messages):
    chinese = [
        _label(e)
        for e in messages
        if e.msgid not in CJK_ALLOWED and any(CJK.search(s) for s in e.msgstr.values())
    ]
    assert chinese == []


def test_cjk_allow_list_is_tiny_and_current(messages):
    assert len(CJK_ALLOWED) <= 3
    assert set(CJK_ALLOWED) <= {e.msgid for e in messages}


def test_compiled_catalogue_matches_the_po_file(messages):
    """The .mo that Django loads is the compiled .po (not stale): run msgfmt after editing the .po."""
    assert MO_PATH.exists()
    with MO_PATH.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    stale = []
    for e in messages:
        if e.msgctxt is not None:
            got = compiled.pgettext(e.msgctxt, e.msgid)
        elif e.msgid_plural is not None:
            got = compiled.ngettext(e.msgid, e.msgid_plural, 1)
        else:
            got = compiled.gettext(e.msgid)
        if got != e.msgstr[0]:
            stale.append(_label(e))
    assert stale == []


def test_django_uses_the_english_catalogue():
    with translation.override("en"):
        english = translation.gettext("待补正的申请")
    assert english == "Applications awaiting correction"
    assert not CJK.search(english)
    with translation.override("zh-hans"):
        assert translation.gettext("待补正的申请") == "待补正的申请"


@pytest.mark.django_db
def test_home_page_in_english_for_an_applicant(client, roles):
    college = factories.organisation(name="浦江英文界面测试学院")
    user = factories.user("applicant", role=Role.APPLICANT, organisation=college)
    client.force_login(user)
    client.cookies["django_language"] = "en"

    response = client.get("/home/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Applications awaiting correction" in body
    assert "Applying organisation clerk" in body
    assert "Shanghai Skill Level Evaluation Body Filing and Certificate Management System" in body
    # The organisation's name is data (Chinese by nature); everything else on the page is interface.
    interface = body.replace(college.name, "")
    leftovers = sorted({interface[max(m.start() - 30, 0) : m.end() + 30] for m in CJK.finditer(interface)})
    assert leftovers == []
