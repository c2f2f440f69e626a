"""Help text states the rule before the service refuses it (issue #13 item 15): the plan, sitting, roster,
evaluator register and agreement forms say in Chinese what each non-obvious field must satisfy."""

import pytest

from filing import forms

pytestmark = pytest.mark.django_db

RULES = {
    forms.PlanForm: {"line": "已备案", "title": "届别", "first_sitting_on": "工作日"},
    forms.SittingForm: {"part": "综合评审", "starts_at": "首场考核日期", "ends_at": "晚于开始时间"},
    forms.RosterUploadForm: {"file": "整份文件不导入"},
    forms.EvaluatorCreateForm: {
        "body": "市级人员库",
        "certificate_no": "唯一",
        "can_evaluate": "至少选一项",
        "is_supervisor": "督导员",
        "valid_until": "覆盖考核日期",
    },
    forms.AgreementForm: {
        "partner": "对方接受后",
        "agreement_no": "不得重复",
        "offerings": "已备案",
        "valid_from": "专业覆盖",
        "valid_until": "不能早于生效日期",
    },
    forms.StaffForm: {"evaluator": "同一时段"},
}


@pytest.mark.parametrize("form_class", list(RULES), ids=lambda c: c.__name__)
def test_each_rule_is_said_in_the_form(form_class):
    form = form_class()
    for field, words in RULES[form_class].items():
        assert words in str(form.fields[field].help_text), (form_class.__name__, field)


def test_the_help_is_shown_on_the_page(client, body_operator, college):
    from tests import factories

    factories.filed_body(college)
    client.force_login(body_operator)
    page = client.get("/plans/new/").content.decode()
    assert "建议写明届别、职业和等级" in page and "工作日" in page
