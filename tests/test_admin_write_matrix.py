"""Every write the admin can be asked for, by every role, generated from the admin site itself.

For each registered ModelAdmin and each of its inlines, each role (anonymous,
writer, editor, superuser) posts an add, a change and a delete (and the bulk
delete action where there is a list) as a crafted request would: the form as
a superuser sees it, with one value changed, whatever the role's own page
offers. An article and its parts are tried in every state an article can be
in. The database then says whether the write happened and, for an article's
content, whether it was recorded as an edit (who, when, one more version, one
admin log entry, a revision by them). RULES is what should happen (docs/WORKFLOW.md says it in
prose); a registered model or inline without a row fails, so a new
registration cannot slip past.

The pages themselves (which URL answers what to whom) are in
tests/test_access_matrix.py; transitions in tests/test_admin_permissions.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from uuid import uuid4

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import revisions
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleImage,
    ArticleNote,
    ArticlePresence,
    ArticleTransition,
    Category,
    Correction,
    Picture,
    PreviewLink,
    PreviewLinkUse,
    Provider,
    ProviderLogo,
    RelatedLink,
    RelatedLinkImage,
    Revision,
    SeedFile,
    Topic,
)
from articles.pictures.jobs import fetch_picture
from tests.support.factories import make_draft_article, make_user
from tests.support.forms import read_form

pytestmark = pytest.mark.django_db

Status = Article.Status
ROLES = ["anonymous", "writer", "editor", "superuser"]
STATES = ["draft", "review", "published", "scheduled", "expired", "archived"]
STAFF = frozenset({"writer", "editor", "superuser"})
EDITORS = frozenset({"editor", "superuser"})
SUPERUSER = frozenset({"superuser"})
NOBODY = frozenset()
# Who may change an article's content (its own fields and its parts), by the article's state. A writer's change of a
# published story is not written to it: it becomes its pending change (tests/test_pending_changes.py).
CONTENT = {state: STAFF if state == "draft" else EDITORS for state in STATES}

# "model" for a registered ModelAdmin, "model > inline model" for its inlines:
# who may add, change and delete (the delete view and the bulk "delete selected" action).
RULES = {
    "articles.article": {"add": STAFF, "change": CONTENT, "delete": EDITORS},
    "articles.article > articles.relatedlink": {"add": CONTENT, "change": CONTENT, "delete": CONTENT},
    "articles.article > articles.articleimage": {"add": CONTENT, "change": CONTENT, "delete": CONTENT},
    "articles.article > articles.articleauthor": {"add": CONTENT, "change": CONTENT, "delete": CONTENT},
    # The workflow history is written by transitions only.
    "articles.article > articles.articletransition": {"add": NOBODY, "change": NOBODY, "delete": NOBODY},
    "articles.provider": {"add": EDITORS, "change": EDITORS, "delete": EDITORS},
    "articles.provider > articles.providerlogo": {"add": EDITORS, "change": EDITORS, "delete": EDITORS},
    "articles.topic": {"add": EDITORS, "change": EDITORS, "delete": EDITORS},
    # The managed list of categories; writers pick from it (and may add topics from the article form only).
    "articles.category": {"add": EDITORS, "change": EDITORS, "delete": EDITORS},
    # Corrections are written with the save of a live story they go with (issue 13): append-only, for everyone.
    "articles.correction": {"add": NOBODY, "change": NOBODY, "delete": NOBODY},
    # Seed files are the importer's record of what it read: nobody writes one by hand.
    "articles.seedfile": {"add": NOBODY, "change": NOBODY, "delete": SUPERUSER},
    "auth.user": {"add": SUPERUSER, "change": SUPERUSER, "delete": SUPERUSER},
    "auth.group": {"add": SUPERUSER, "change": SUPERUSER, "delete": SUPERUSER},
    # Login records (django-axes): written by sign-ins, cleared by superusers.
    "axes.accessattempt": {"add": NOBODY, "change": NOBODY, "delete": SUPERUSER},
    "axes.accesslog": {"add": NOBODY, "change": NOBODY, "delete": SUPERUSER},
    "axes.accessfailurelog": {"add": NOBODY, "change": NOBODY, "delete": SUPERUSER},
    # Pictures are made by the jobs; editors set the focal point; superusers may delete one (issue 14).
    "articles.picture": {"add": NOBODY, "change": EDITORS, "delete": SUPERUSER},
    # The job queue (django-tasks-db): written by workers only, shown read-only.
    "django_tasks_database.dbtaskresult": {"add": NOBODY, "change": NOBODY, "delete": NOBODY},
}

WRITTEN, REFUSED = "written", "refused"
_numbers = count()
NOW = timezone.now()


def article_in(state: str) -> Article:
    schedule = {
        "scheduled": {"go_live_at": NOW + timedelta(days=2)},
        "expired": {"expires_at": NOW - timedelta(hours=1)},
    }.get(state, {})
    status = Status.PUBLISHED if state in {"scheduled", "expired"} else state
    article = make_draft_article(status=status, imported_at=NOW - timedelta(days=1), **schedule)
    SeedFile.objects.create(content_hash=f"{article.pk:064d}", path=f"fixtures/{article.pk}.md", article=article)
    return article


def login_record(model):
    attempt = {"get_data": "", "post_data": "", "failures_since_start": 1} if model is AccessAttempt else {}
    return model.objects.create(**LOGIN_RECORD, **attempt, username=f"someone-{next(_numbers)}")


def seed_file() -> SeedFile:
    article = make_draft_article()
    return SeedFile.objects.create(content_hash=f"{article.pk:064d}", path="fixtures/x.md", article=article)


LOGIN_RECORD = {"user_agent": "test", "ip_address": "127.0.0.1", "http_accept": "*/*", "path_info": "/admin/login/"}


@dataclass(frozen=True)
class Recipe:
    """How to make one row, what a new one is posted with, and which field a change changes."""

    make: Callable  # (state) for a registered model; (parent) for an inline's model
    add: dict
    change: tuple[str, str]

    def numbered(self, n: int) -> "Recipe":
        """The recipe with "{n}" in its values filled in, so that each attempt's values are new."""
        name, value = self.change
        return Recipe(self.make, {k: v.format(n=n) for k, v in self.add.items()}, (name, value.format(n=n)))


RECIPES = {
    "articles.article": Recipe(
        article_in,
        {"title": "Added {n}", "slug": "added-{n}", "web_url": "https://matrix.example/added-{n}"},
        ("title", "Changed {n}"),
    ),
    "articles.relatedlink": Recipe(
        lambda article: RelatedLink.objects.create(article=article, title="Link", web_url="https://ok.example/link"),
        {"position": "5", "title": "Added link", "web_url": "https://phish.example/added"},
        ("web_url", "https://phish.example/changed"),
    ),
    "articles.articleimage": Recipe(
        lambda article: ArticleImage.objects.create(article=article, url="https://img.example/lead.jpg"),
        {"position": "5", "url": "https://phish.example/added.jpg"},
        ("url", "https://phish.example/lead.jpg"),
    ),
    "articles.articleauthor": Recipe(
        lambda article: ArticleAuthor.objects.create(article=article, name="Jane Writer"),
        {"position": "5", "name": "Added author {n}"},
        ("name", "Changed author {n}"),
    ),
    "articles.category": Recipe(
        lambda state: Category.objects.create(name=f"Category {next(_numbers)}", slug=f"category-{next(_numbers)}"),
        {"name": "Added category {n}", "slug": "added-category-{n}"},
        ("name", "Changed category {n}"),
    ),
    "articles.articletransition": Recipe(
        lambda article: ArticleTransition.objects.create(
            article=article, name="submit_for_review", from_status=Status.DRAFT, to_status=Status.REVIEW
        ),
        {"name": "publish", "from_status": "review", "to_status": "published", "comment": "Forged"},
        ("comment", "Forged"),
    ),
    "articles.provider": Recipe(
        lambda state: Provider.objects.create(
            name="Source", domain=f"s{next(_numbers)}.example", slug=f"s{next(_numbers)}"
        ),
        {"name": "Added source", "domain": "added-{n}.example", "slug": "added-{n}"},
        ("name", "Changed source {n}"),
    ),
    "articles.providerlogo": Recipe(
        lambda provider: ProviderLogo.objects.create(provider=provider, url="https://matrix.example/logo.png"),
        {"position": "5", "url": "https://phish.example/logo.png"},
        ("url", "https://phish.example/changed.png"),
    ),
    "articles.topic": Recipe(
        lambda state: Topic.objects.create(name=f"Topic {next(_numbers)}", slug=f"topic-{next(_numbers)}"),
        {"name": "Added topic {n}", "slug": "added-topic-{n}"},
        ("name", "Changed topic {n}"),
    ),
    "articles.correction": Recipe(
        lambda state: Correction.objects.create(article=make_draft_article(), kind="correction", note="Was wrong."),
        {"kind": "correction", "note": "Forged {n}"},
        ("note", "Forged {n}"),
    ),
    "articles.seedfile": Recipe(
        lambda state: seed_file(),
        {"path": "fixtures/added.md", "content_hash": "{n:064d}", "outcome": "created"},
        ("path", "fixtures/changed.md"),
    ),
    "auth.user": Recipe(
        lambda state: make_user("writer"),
        {
            "username": "added-user-{n}",
            "usable_password": "true",
            "password1": "x-Long-pass-1",
            "password2": "x-Long-pass-1",
        },
        ("first_name", "Changed {n}"),
    ),
    "auth.group": Recipe(
        lambda state: Group.objects.create(name=f"Group {next(_numbers)}"),
        {"name": "Added {n}"},
        ("name", "Changed {n}"),
    ),
    "articles.picture": Recipe(
        lambda state: Picture.objects.create(
            source=f"https://img.example/{next(_numbers)}.jpg", source_key=uuid4().hex
        ),
        {"focal_x": "0.25", "focal_y": "0.75"},
        ("focal_x", "0.{n}1"),  # ends in 1: the float reads back as the same text
    ),
    "django_tasks_database.dbtaskresult": Recipe(
        lambda state: fetch_picture.enqueue(next(_numbers)).db_result,
        {"task_path": "articles.pictures.jobs.fetch_picture", "status": "READY"},
        ("status", "SUCCESSFUL"),
    ),
    "axes.accessattempt": Recipe(
        lambda state: login_record(AccessAttempt),
        {**LOGIN_RECORD, "username": "added", "failures_since_start": "1"},
        ("username", "changed"),
    ),
    "axes.accesslog": Recipe(
        lambda state: login_record(AccessLog),
        {**LOGIN_RECORD, "username": "added"},
        ("username", "changed"),
    ),
    "axes.accessfailurelog": Recipe(
        lambda state: login_record(AccessFailureLog),
        {**LOGIN_RECORD, "username": "added"},
        ("username", "changed"),
    ),
}


@dataclass(frozen=True)
class Entry:
    """A registered model, or one inline of its ModelAdmin."""

    model: type[models.Model]
    inline: type[models.Model] | None = None

    @property
    def key(self) -> str:
        label = self.model._meta.label_lower
        return f"{label} > {self.inline._meta.label_lower}" if self.inline else label

    @property
    def states(self) -> list[str | None]:
        return STATES if self.model is Article else [None]

    def actions(self) -> list[str]:
        return ["add", "change", "delete"] if self.inline else ["add", "change", "delete", "delete selected"]


def registered() -> list[Entry]:
    entries = []
    for model, model_admin in admin.site._registry.items():
        entries.append(Entry(model))
        entries += [Entry(model, inline.model) for inline in model_admin.inlines]
    return entries


def who_may(entry: Entry, action: str, state: str | None) -> frozenset:
    rule = RULES[entry.key]["delete" if action == "delete selected" else action]
    return rule[state] if isinstance(rule, dict) else rule


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_id(model) -> str:
    return f"{model._meta.model_name}_form"


def prefix(parent, child) -> str:
    """The inline formset's prefix: the name of the parent's reverse relation, e.g. related_links."""
    foreign_key = next(f for f in child._meta.fields if f.is_relation and f.related_model is parent)
    return foreign_key.remote_field.get_accessor_name()


@dataclass
class Attempt:
    """One crafted request and what it should leave behind."""

    url: str
    data: dict
    written: Callable[[], bool]
    article: Article | None = None  # the article whose content it writes, to check the record
    extra: dict = field(default_factory=dict)


def plan(entry: Entry, action: str, state: str | None, superuser: Client) -> Attempt:
    """The request for one action, from the form a superuser is shown."""
    recipe = RECIPES[(entry.inline or entry.model)._meta.label_lower].numbered(next(_numbers))
    parent_recipe = RECIPES[entry.model._meta.label_lower]
    model = entry.model
    if entry.inline is None:
        if action == "add":
            page = superuser.get(admin_url(model, "add"))
            data = read_form(page, form_id(model))[0] if page.status_code == 200 else {}
            before = model._default_manager.count()
            return Attempt(
                admin_url(model, "add"),
                data | {k: [v] for k, v in recipe.add.items()} | {"_save": ["Save"]},
                lambda: model._default_manager.count() > before,
            )
        obj = recipe.make(state)
        article = obj if model is Article else None
        if action == "change":
            name, value = recipe.change
            data, _ = read_form(superuser.get(admin_url(model, "change", obj.pk)), form_id(model))
            if model is Article:  # a live story's headline changes with a correction (ignored for the others)
                data |= {"correction_kind": ["correction"], "correction_note": ["The headline was wrong."]}
            return Attempt(
                admin_url(model, "change", obj.pk),
                data | {name: [value], "_save": ["Save"]},
                lambda: str(getattr(model._default_manager.get(pk=obj.pk), name)) == value,
                article,
            )
        gone = lambda: not model._default_manager.filter(pk=obj.pk).exists()  # noqa: E731
        if action == "delete":
            return Attempt(admin_url(model, "delete", obj.pk), {"post": ["yes"]}, gone)
        data = {"action": ["delete_selected"], "_selected_action": [str(obj.pk)], "post": ["yes"], "index": ["0"]}
        return Attempt(admin_url(model, "changelist"), data, gone)

    parent = parent_recipe.make(state)
    child = recipe.make(parent)
    child_model = entry.inline
    url = admin_url(model, "change", parent.pk)
    data, _ = read_form(superuser.get(url), form_id(model))
    data["_save"] = ["Save"]
    name = prefix(model, child_model)
    assert data[f"{name}-0-id"] == [str(child.pk)], "the child is the inline's first form"
    article = parent if model is Article else None
    if action == "add":
        total = int(data[f"{name}-TOTAL_FORMS"][0])
        data[f"{name}-TOTAL_FORMS"] = [str(total + 1)]
        data |= {f"{name}-{total}-{key}": [value] for key, value in recipe.add.items()}
        before = child_model._default_manager.count()
        return Attempt(url, data, lambda: child_model._default_manager.count() > before, article)
    if action == "change":
        field_name, value = recipe.change
        data[f"{name}-0-{field_name}"] = [value]
        return Attempt(
            url, data, lambda: getattr(child_model._default_manager.get(pk=child.pk), field_name) == value, article
        )
    data[f"{name}-0-DELETE"] = ["on"]
    return Attempt(url, data, lambda: not child_model._default_manager.filter(pk=child.pk).exists(), article)


def outcome(client: Client, user, attempt: Attempt) -> str:
    """What the request did: written (and recorded, for an article's content), refused, or an error."""
    article = attempt.article
    if article is not None:
        article.refresh_from_db()
        version, logged = article.version, LogEntry.objects.filter(object_id=str(article.pk)).count()
    response = client.post(attempt.url, attempt.data)
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if not attempt.written():
        return REFUSED
    if article is not None and Article.objects.filter(pk=article.pk).exists():
        article.refresh_from_db()
        entries = LogEntry.objects.filter(object_id=str(article.pk))
        recorded = (
            article.edited_by == user
            and article.edited_at is not None
            and article.version == version + 1
            and entries.count() == logged + 1
            and entries.order_by("-action_time", "-id").first().user == user
            and article.revisions.first().by == user  # and a revision of the content, by them
        )
        if not recorded:
            return f"{WRITTEN}, not recorded as an edit"
    return WRITTEN


@pytest.mark.parametrize("entry", registered(), ids=lambda entry: entry.key)
def test_every_role_may_write_exactly_what_the_rules_say(entry):
    """Fails listing every (role, state, action) whose outcome differs from RULES."""
    assert entry.key in RULES, f"{entry.key} is registered in the admin but has no row in RULES"
    superuser = Client()
    superuser.force_login(make_user("superuser"))
    differences = {}
    for role in ROLES:
        user = make_user(role)
        client = Client()
        if user is not None:
            client.force_login(user)
        for state in entry.states:
            for action in entry.actions():
                if entry.model is Article and entry.inline is None and action == "add" and state != "draft":
                    continue  # a new article has no state yet
                expected = WRITTEN if role in who_may(entry, action, state) else REFUSED
                got = outcome(client, user, plan(entry, action, state, superuser))
                if got != expected:
                    differences[role, state, action] = (expected, got)

    assert differences == {}, "(role, article state, action): (expected, got)"


def test_the_rules_name_exactly_the_registered_models_and_inlines():
    assert {entry.key for entry in registered()} == set(RULES)


def article_content_models() -> list[type[models.Model]]:
    """Every model whose rows belong to an article: a foreign key to Article, or to such a model."""
    found = [Article]
    grew = True
    while grew:  # to a fixed point: a part of a part may be registered before the part it hangs on
        grew = False
        for model in apps.get_app_config("articles").get_models():
            if model not in found and any(
                f.many_to_one and f.related_model in found and not f.null for f in model._meta.fields
            ):
                found.append(model)
                grew = True
    return found[1:]


def test_the_parts_of_an_article_are_what_this_file_thinks():
    assert set(article_content_models()) == {
        ArticleAuthor,
        ArticleImage,
        RelatedLink,
        RelatedLinkImage,
        ArticleTransition,
        SeedFile,
        Revision,
        PreviewLink,
        PreviewLinkUse,
        Correction,
        ArticleNote,
        ArticlePresence,
    }


# Seed files (the importer's record) and corrections (append-only, written with a save) are in the matrix above;
# the rest is content, edited on the article's page (notes: by the notes panel's views, tests/test_notes.py).
PARTS = [model for model in article_content_models() if model not in {SeedFile, Correction}]


@pytest.mark.parametrize("model", PARTS, ids=lambda model: model._meta.model_name)
@pytest.mark.parametrize("role", ROLES)
def test_a_part_of_an_article_has_no_admin_page_that_writes_it(client, role, model):
    """Parts are written through their article's form only; a crafted request to a page of their own changes nothing."""
    live = make_draft_article(status=Status.PUBLISHED, title="Live story")
    link = RelatedLink.objects.create(article=live, title="Good link", web_url="https://ok.example/link")
    rows = {
        ArticleImage: lambda: ArticleImage.objects.create(article=live, url="https://img.example/lead.jpg"),
        ArticleAuthor: lambda: ArticleAuthor.objects.create(article=live, name="Jane Writer"),
        RelatedLink: lambda: link,
        RelatedLinkImage: lambda: RelatedLinkImage.objects.create(related_link=link, url="https://img.example/l.jpg"),
        ArticleTransition: lambda: ArticleTransition.objects.create(
            article=live, name="publish", from_status=Status.REVIEW, to_status=Status.PUBLISHED
        ),
        Revision: lambda: revisions.record(live, kind=Revision.Kind.EDITED),
        ArticleNote: lambda: ArticleNote.objects.create(article=live, text="For the desk"),
        PreviewLink: lambda: PreviewLink.create(revision=revisions.record(live, kind=Revision.Kind.EDITED), by=None)[0],
        ArticlePresence: lambda: ArticlePresence.objects.create(article=live, user=make_user("writer"), seen_at=NOW),
        PreviewLinkUse: lambda: PreviewLinkUse.objects.create(
            link=PreviewLink.create(revision=revisions.record(live, kind=Revision.Kind.EDITED), by=None)[0], status=200
        ),
    }
    obj = rows[model]()
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    phishing = {"title": "Phishing", "web_url": "https://phish.example/", "url": "https://phish.example/x.jpg",
                "article": str(live.pk), "related_link": str(link.pk), "position": "0", "comment": "Forged",
                "name": "publish", "from_status": "review", "to_status": "published", "post": "yes"}  # fmt: skip
    before = [(type(row), list(type(row).objects.order_by("pk").values())) for row in (obj, link)]

    statuses = {
        client.post(base + "add/", phishing).status_code,
        client.post(f"{base}{obj.pk}/change/", phishing).status_code,
        client.post(f"{base}{obj.pk}/delete/", phishing).status_code,
    }

    assert statuses == ({302} if user is None else {404})
    assert [(kind, list(kind.objects.order_by("pk").values())) for kind, _ in before] == before
