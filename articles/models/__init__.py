"""The data model, one module per concern; everything is importable from ``articles.models``.

- ``keys``: how providers and topics are told apart (case-insensitive keys).
- ``sources``: providers, topics and categories.
- ``authors``: bylines.
- ``article``: the article, its content and its place in the workflow.
- ``querysets``: the rules for reading articles (``ArticleQuerySet``), each written once.
- ``images``, ``related``: an article's images and its related coverage.
- ``history``: its moves through the workflow.
- ``renditions``: local copies of images (pictures) and their renditions.
- ``imports``: the seed files the importer accepted.
- ``revisions``: a snapshot of its content at every change.
- ``previews``: links to one revision for people without a login, and their uses.
- ``presence``: who has an article open in the admin now, and who holds its lock.
- ``corrections``: the notes readers see when a live story's text changes.
- ``notes``: the desk's notes on an article, with mentions (admin only).
- ``notifications``: what people are told (inbox and mail) and which kinds they want.
- ``site``: site-wide state shared by every process (the content version).
"""

from .article import Article
from .authors import ArticleAuthor
from .conflicts import FeedConflict
from .corrections import Correction
from .history import ArticleTransition
from .images import ArticleImage, Image, ProviderLogo, RelatedLinkImage, http_images
from .imports import SeedFile
from .keys import URL_MAX_LENGTH, UniqueKeyMixin, category_key, provider_key, topic_key
from .notes import ArticleNote
from .notifications import Notification, NotificationPreference
from .pending import PendingChange
from .presence import ArticleLock, ArticlePresence
from .previews import PreviewLink, PreviewLinkUse
from .querysets import ArticleQuerySet, expired_at, scheduled_at
from .related import RelatedLink
from .renditions import Picture, Rendition
from .revisions import Revision
from .site import ContentVersion
from .sources import Category, Provider, Topic, TopicOldSlug

__all__ = [
    "URL_MAX_LENGTH",
    "Article",
    "ArticleAuthor",
    "ArticleImage",
    "ArticleLock",
    "ArticleNote",
    "ArticlePresence",
    "ArticleQuerySet",
    "ArticleTransition",
    "Category",
    "ContentVersion",
    "Correction",
    "FeedConflict",
    "Image",
    "Notification",
    "NotificationPreference",
    "PendingChange",
    "Picture",
    "PreviewLink",
    "PreviewLinkUse",
    "Provider",
    "ProviderLogo",
    "RelatedLink",
    "RelatedLinkImage",
    "Rendition",
    "Revision",
    "SeedFile",
    "Topic",
    "TopicOldSlug",
    "UniqueKeyMixin",
    "category_key",
    "expired_at",
    "http_images",
    "provider_key",
    "scheduled_at",
    "topic_key",
]
