"""Every domain event declared in filing/signals.py has a notification receiver (and is not silently
dropped); `filing` imports neither `workflows` nor `notifications`."""

import ast
from pathlib import Path

from django.dispatch import Signal

from filing import signals
from notifications.receivers import CONNECTIONS

ROOT = Path(__file__).resolve().parent.parent
#: Not announced: role changes (administrative, audited instead).
NOT_NOTIFIED = {"membership_changed"}


def test_every_domain_event_is_wired_to_notifications():
    declared = {name for name, value in vars(signals).items() if isinstance(value, Signal)}
    wired = {name for name, value in vars(signals).items() for signal, _ in CONNECTIONS if value is signal}
    assert declared - NOT_NOTIFIED <= wired, sorted(declared - NOT_NOTIFIED - wired)


def test_filing_imports_neither_workflows_nor_notifications():
    offenders = []
    for path in (ROOT / "filing").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                if n.split(".")[0] in ("workflows", "notifications", "api")
            ]
    assert offenders == []
