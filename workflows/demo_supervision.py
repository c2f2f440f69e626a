"""The demo's supervision stage: the filed body under a rectification order it has answered (the city's
acceptance is waiting), and its 三级 line suspended, so the public catalogue, the body's record page and the
city's list each show a real decision. The demo's sittings carry their supervisors' reports already
(``scenarios.hold_and_publish``)."""

from __future__ import annotations

import datetime


def seed_supervision(body, users, today) -> list[str]:
    from filing.services import rectification, supervision

    city, operator = users["municipal"], users["operator"]
    order = rectification.rectification_order(
        actor=city,
        body=body,
        findings="抽查发现：2份考生档案缺少身份核验记录（演示）",
        deadline=today + datetime.timedelta(days=20),
        reference="沪职鉴督〔演示〕1号",
        source="专项督导（演示）",
    )
    rectification.rectification_respond(
        actor=operator, order=order, response="已补齐核验记录并修订考务规程，附整改报告（演示）"
    )
    line = body.lines.filter(offering__level=3).first()
    done = [f"{body.name} 整改中：整改报告待市级验收"]
    if line is not None:
        supervision.line_suspend(
            actor=city,
            line=line,
            reason="该等级考评员不足，暂停受理（演示）",
            reference="沪职鉴督〔演示〕2号",
        )
        done.append(f"{body.name} 的“{line.offering}”已暂停，其余备案项目正常")
    return done
