"""Background work is queued by task name, after the transaction commits.

A service never imports a Celery task module (the tasks call the services, so that would be a cycle): it
asks for the task by its registered name. Without a broker (``CELERY_TASK_ALWAYS_EAGER``) the task runs
in-process, as every other task does in the embedded set-up.
"""

from __future__ import annotations

from django.db import transaction


def enqueue(task_name: str, *args) -> None:
    """Send ``task_name`` with ``args`` now (call it from ``transaction.on_commit``)."""
    from celery import current_app

    current_app.tasks[task_name].delay(*args)


def after_commit(task_name: str, *args) -> None:
    """Queue the task once the current transaction has committed (never for a rolled-back change)."""
    transaction.on_commit(lambda: enqueue(task_name, *args))
