"""The benchmarks' settings: the application's, plus the ``bench`` app (the bare viewflow flow of
``bench/flows.py`` must live in an installed app) and the bare lookup view (``bench/urls.py``)."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
