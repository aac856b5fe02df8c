"""Preview links: the page an outside reviewer opens, showing one revision of an article.

The page is the article page (``views.article_context``, ``articles/detail.html``)
for an ``Article`` built in memory from the revision's snapshot: nothing is
written but the log of the use (``PreviewLinkUse``). It is never cached
(no page cache, ``Cache-Control: private, no-store``), never indexed (meta
robots and ``X-Robots-Tag``) and sends no Referer (the token is in its URL).

Answers: 200 for a usable link; 410 with a plain message for one expired or
revoked; 403 to anyone not signed in as staff while the story is under embargo; 404 for an unknown (tampered) token or a link whose revision was
deleted. Every request with a known token is logged, whatever its answer.
"""

from collections import defaultdict

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe

from newsroom.client_ip import client_ip

from . import revisions
from .models import Article, PreviewLink, PreviewLinkUse, Revision, Topic
from .models.previews import USER_AGENT_MAX, token_digest
from .rendering import body_html_or_note
from .views import article_context, signed_in_staff


def private(response, *, robots: bool = True):
    """No cache anywhere (browser, proxy, the page cache), no index, no Referer carrying the token."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def plain(status: int, message: str) -> HttpResponse:
    return private(HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8"))


def resolve_foreign_keys(instances: list[tuple]) -> None:
    """Each (instance, its link to its parent)'s other foreign keys (a source, a category, a person) as
    stored now, one query per kind; a row deleted since becomes empty."""
    wanted = defaultdict(set)
    for obj, parent in instances:
        for field in obj._meta.concrete_fields:
            if field.many_to_one and field.name != parent and getattr(obj, field.attname) is not None:
                wanted[field.related_model].add(getattr(obj, field.attname))
    found = {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items()}
    for obj, parent in instances:
        for field in obj._meta.concrete_fields:
            if field.many_to_one and field.name != parent:
                value = getattr(obj, field.attname)
                setattr(obj, field.name, None if value is None else found[field.related_model].get(value))


def prefetched(obj, name: str, items: list) -> None:
    """``obj.<name>.all()`` gives ``items`` without a query, as ``prefetch_related`` would."""
    model = obj._meta.get_field(name).related_model
    queryset = model._default_manager.all()
    queryset._result_cache = items
    queryset._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[name] = queryset


def article_of(revision: Revision) -> Article:
    """An unsaved article with the revision's content, its parts attached in memory (``revisions.restore``'s
    rules: a topic deleted since is left out). Never saved: it carries the real pk for its URL only."""
    content = revisions.content_of(revision)
    article = Article(pk=revision.article_id, status=revision.status)
    for field in revisions.content_fields(Article):
        setattr(article, field.attname, revisions.value_for(field, content))
    article.body_html = body_html_or_note(article.body, article.title)
    every = [(article, None)]
    prefetched(article, "topics", list(Topic.objects.filter(pk__in=content.get("topics", []))))
    for name, nested in revisions.PARTS.items():
        relation = Article._meta.get_field(name)
        parts = []
        for values in content.get(name, []):
            part = revisions.restored_part(relation.related_model, values, nested)
            setattr(part, relation.field.name, article)
            children = defaultdict(list)
            for parent_name, child in part.nested_parts:
                setattr(child, parent_name, part)
                children[child._meta.get_field(parent_name).remote_field.get_accessor_name()].append(child)
                every.append((child, parent_name))
            for child_name in nested:
                prefetched(part, child_name, children[child_name])
            parts.append(part)
        every += [(part, relation.field.name) for part in parts]
        prefetched(article, name, parts)
    resolve_foreign_keys(every)
    return article


def log_use(request, link: PreviewLink, status: int) -> None:
    PreviewLinkUse.objects.create(
        link=link,
        at=timezone.now(),
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
        status=status,
    )


@require_safe
def preview_link_page(request, token: str):
    link = PreviewLink.objects.select_related("revision").filter(token_hash=token_digest(token)).first()
    if link is None:
        return plain(404, "No such preview link.")
    now = timezone.now()
    if link.revision_id is None:
        log_use(request, link, 404)
        return plain(404, "The revision this preview link showed no longer exists.")
    if link.is_revoked:
        log_use(request, link, 410)
        return plain(410, "This preview link was revoked. Ask the newsroom for a new one.")
    if link.is_expired(now):
        log_use(request, link, 410)
        return plain(410, "This preview link has expired. Ask the newsroom for a new one.")
    if not signed_in_staff(request.user) and Article.objects.embargoed(now).filter(pk=link.revision.article_id):
        log_use(request, link, 403)
        return plain(403, "This story is under embargo: its preview link opens once the embargo lifts.")
    log_use(request, link, 200)
    article = article_of(link.revision)
    context = article_context(request, article, preview=True) | {"preview_link": link}
    return private(render(request, "articles/detail.html", context))
