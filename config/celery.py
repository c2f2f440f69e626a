"""Celery application.

With no broker configured (the embedded default) tasks run in-process and eagerly, so `make run` needs
nothing else installed. Production sets ``CELERY_BROKER_URL`` (or ``REDIS_URL``) and runs a worker and beat.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("skill_filing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Task durations for Prometheus (config/metrics.py), recorded in the process that runs the task; imported
# when the first task runs (this module is imported before Django's settings are).
@task_prerun.connect(weak=False, dispatch_uid="filing-metrics-prerun")
def _task_started(**kwargs):
    from config.metrics import task_started

    task_started(**kwargs)


@task_postrun.connect(weak=False, dispatch_uid="filing-metrics-postrun")
def _task_finished(**kwargs):
    from config.metrics import task_finished

    task_finished(**kwargs)
