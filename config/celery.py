"""Celery application.

With no broker configured (the embedded default) tasks run in-process and eagerly, so `make run` needs
nothing else installed. Production sets ``CELERY_BROKER_URL`` (or ``REDIS_URL``) and runs a worker and beat.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("skill_filing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
