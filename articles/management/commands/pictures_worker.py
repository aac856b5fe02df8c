"""manage.py pictures_worker: the first name of ``jobs_worker`` (every queue), kept for existing service units."""

from .jobs_worker import Command  # noqa: F401
