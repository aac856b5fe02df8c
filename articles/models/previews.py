"""Preview links: one revision of an article, shown to someone without a login (a lawyer, a source).

The link carries a random token; only its SHA-256 is stored, so a copy of
the database gives no working link. A link expires (48 hours unless its
editor chose otherwise), can be revoked, and every use of it is logged
(``PreviewLinkUse``). Neither is ever edited or deleted through the admin.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article
from .revisions import Revision

DEFAULT_HOURS = 48
MAX_HOURS = 24 * 30
USER_AGENT_MAX = 300


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PreviewLink(models.Model):
    article = models.ForeignKey(Article, verbose_name="article", on_delete=models.CASCADE, related_name="preview_links")
    # A revision pruned or deleted since leaves the link (and its log) in place; the link then answers 404.
    revision = models.ForeignKey(
        Revision,
        verbose_name="revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preview_links",
        help_text="The revision the link shows; empty once that revision is deleted.",
    )
    revision_number = models.PositiveIntegerField("revision number", help_text="The revision's number, kept.")
    token_hash = models.CharField("token hash", max_length=64, unique=True, help_text="SHA-256 of the token.")
    note = models.CharField("for", max_length=200, blank=True, help_text="Who the link is for (a lawyer, a source).")
    created_at = models.DateTimeField("created", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="created by", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField("expires")
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="revoked by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "preview link"

    def __str__(self):
        return f"Preview link to revision {self.revision_number} of article {self.article_id}"

    @classmethod
    def create(cls, *, revision: Revision, by, hours: int = DEFAULT_HOURS, note: str = "") -> tuple["PreviewLink", str]:
        """A new link and its token (shown once: only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        link = cls.objects.create(
            article_id=revision.article_id,
            revision=revision,
            revision_number=revision.number,
            token_hash=token_digest(token),
            note=note,
            created_at=now,
            created_by=by,
            expires_at=now + timedelta(hours=hours),
        )
        return link, token

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, at=None) -> bool:
        return self.expires_at <= (at or timezone.now())

    def is_usable(self, at=None) -> bool:
        return not self.is_revoked and not self.is_expired(at) and self.revision_id is not None


class PreviewLinkUse(models.Model):
    """One request for a preview link, whatever its answer."""

    link = models.ForeignKey(PreviewLink, verbose_name="link", on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField("at", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField("user agent", max_length=USER_AGENT_MAX, blank=True)
    status = models.PositiveSmallIntegerField("answer", help_text="The HTTP status the request got.")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "preview link use"

    def __str__(self):
        return f"Use of preview link {self.link_id} at {self.at:%Y-%m-%d %H:%M}"
