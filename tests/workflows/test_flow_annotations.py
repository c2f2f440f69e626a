"""Every node of both flows carries a Chinese title, which the flow chart, timeline and task lists show."""

import re

import pytest
from django.utils import translation

from workflows.flows import FilingReviewFlow, PlanFlow

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("flow_class", [FilingReviewFlow, PlanFlow])
def test_every_node_has_a_chinese_title(flow_class):
    with translation.override("zh-hans"):
        untitled = [node.name for node in flow_class.instance.nodes() if not CJK.search(str(node.task_title))]
    assert untitled == []
