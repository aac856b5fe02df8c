"""Settings for the test suite: fast hashing, in-memory email and file storage.

The cache is chosen as in every environment (``base.cache_from_environment``):
this process's memory, or Redis when REDIS_URL is set. CI runs the suite once
with Redis; every test empties that Redis database (tests/conftest.py), so
give the suite one of its own.
"""

import tempfile

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key"  # noqa: S105 - used by the test suite alone
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NEWSROOM_NOTIFICATIONS = {**NEWSROOM_NOTIFICATIONS, "BACKOFF_SECONDS": 0}  # noqa: F405
# Memory, or Redis when REDIS_URL is set (see above); keys of its own, apart from a site's.
CACHES = {"default": {**cache_from_environment(REDIS_URL), "KEY_PREFIX": "newsroom-test"}}  # noqa: F405
# Request logs would only repeat what the test says.
LOGGING["loggers"]["newsroom.request"]["level"] = "WARNING"  # noqa: F405
NEWSROOM_DEMO_ACCOUNTS = True
# Pictures on disk in a folder of this run's own (a worker subprocess is given the same one).
PICTURES_ROOT = Path(os.environ.get("NEWSROOM_PICTURES_ROOT") or tempfile.mkdtemp(prefix="newsroom-pictures-"))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "pictures": {
        "BACKEND": "articles.pictures.storage.AtomicFileSystemStorage",
        "OPTIONS": {"location": PICTURES_ROOT, "base_url": PICTURES_URL},  # noqa: F405
    },
}
# The fetch tests' local HTTP server listens on 127.0.0.2 (127.0.0.1 stays refused).
PICTURES_FETCH = {**PICTURES_FETCH, "ALLOWED_ADDRESSES": ["127.0.0.2"], "BACKOFF_SECONDS": 0}  # noqa: F405

# Static files straight from the app and static/ folders: no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
