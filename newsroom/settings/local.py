"""Local development: DEBUG on, a fixed development key, demo accounts allowed."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "django-insecure-local-development-key-not-for-production"  # noqa: F405
NEWSROOM_DEMO_ACCOUNTS = True
# Notifications' mail printed by the worker of `make run`, unless DJANGO_EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")  # noqa: F405

# Static files straight from the app and static/ folders: no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
