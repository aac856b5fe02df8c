"""gunicorn settings for `make serve` (see README, "Production serving").

Workers: GUNICORN_WORKERS, default 2 x CPUs + 1, the usual starting point for
sync workers whose time goes to the database and templates. Each worker keeps
its own database connection (CONN_MAX_AGE). With REDIS_URL the workers share
one cache; without, each caches pages in its own memory and they share the
content version through the database (articles/caching.py).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow for ever.
max_requests = 5000
max_requests_jitter = 500
# Newsroom logs one JSON line per request itself (newsroom.middleware.RequestLogMiddleware).
accesslog = None
errorlog = "-"
