"""Settings for the test suite: fast hashing, in-memory email and cache."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key"  # noqa: S105 - used by the test suite alone
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
NEWSROOM_DEMO_ACCOUNTS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
