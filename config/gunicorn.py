"""gunicorn settings for production: ``gunicorn -c config/gunicorn.py config.wsgi:application``.

Each value can be overridden on the command line or with GUNICORN_CMD_ARGS. With PROMETHEUS_MULTIPROC_DIR
set (an empty directory, emptied at every start), the metrics of every worker are summed on /metrics/.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = None  # requests are counted and timed by config.metrics; the proxy keeps the access log
errorlog = "-"


def child_exit(server, worker):
    """A dead worker's live gauges leave the multiprocess metrics (prometheus-client's documented hook)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
