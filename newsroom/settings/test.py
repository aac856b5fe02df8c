"""Settings for the test suite: fast hashing, in-memory email and file storage.

The cache is chosen as in every environment (``base.cache_from_environment``):
this process's memory, or Redis when REDIS_URL is set. CI runs the suite once
with Redis; every test empties that Redis database (tests/conftest.py), so
give the suite one of its own.
"""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key"  # noqa: S105 - used by the test suite alone
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Memory, or Redis when REDIS_URL is set (see above); keys of its own, apart from a site's.
CACHES = {"default": {**cache_from_environment(REDIS_URL), "KEY_PREFIX": "newsroom-test"}}  # noqa: F405
# Request logs would only repeat what the test says.
LOGGING["loggers"]["newsroom.request"]["level"] = "WARNING"  # noqa: F405
NEWSROOM_DEMO_ACCOUNTS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files straight from the app and static/ folders: no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
