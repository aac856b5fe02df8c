"""Site-wide state shared by every process."""

from django.db import models


class ContentVersion(models.Model):
    """The version of what readers see, shared by every process: cached pages are keyed on it.

    Used when the cache is each process's own memory (no REDIS_URL); with
    Redis the version lives there. See articles/caching.py.
    """

    scope = models.CharField(
        "scope", max_length=100, primary_key=True, help_text="What the version covers: “site” is every public page."
    )
    token = models.CharField("token", max_length=32, help_text="Random; replaced by every change readers could see.")
    upcoming = models.JSONField(
        "upcoming times",
        default=list,
        blank=True,
        help_text="Go-live and expiry times still to come (Unix seconds, earliest first): each replaces the token.",
    )
    next_at = models.FloatField(
        "next time", null=True, blank=True, help_text="The earliest upcoming time, read with the token on each page."
    )

    class Meta:
        verbose_name = "content version"

    def __str__(self):
        return f"{self.scope}: {self.token}"
