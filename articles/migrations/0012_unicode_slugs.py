"""Unicode slugs for non-Latin titles and topic names, with the topics' old slugs kept for redirects.

Articles need no record of their old slug: their URL is found by id, and a
wrong slug already answers 301 to the right one. A topic is found by its
slug, so each topic whose slug changes keeps the old one in TopicOldSlug.
The slug rules are articles.text's, the ones the importer and the models apply.
"""

import django.db.models.deletion
from django.db import migrations, models

import articles.models.fields
from articles.text import article_slug, has_non_latin_letters, topic_slug

BATCH = 2000


def unique_slug(slug: str, taken: set) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate = f"{slug[: 255 - len(str(number)) - 1]}-{number}"
        number += 1
    return candidate


def reslug_non_latin(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Topic = apps.get_model("articles", "Topic")
    TopicOldSlug = apps.get_model("articles", "TopicOldSlug")

    taken = set(Topic.objects.values_list("slug", flat=True))
    for topic in Topic.objects.order_by("pk").only("pk", "name", "slug"):
        if not has_non_latin_letters(topic.name):
            continue
        wanted = topic_slug(topic.name)
        if wanted == topic.slug:
            continue
        old = topic.slug
        topic.slug = unique_slug(wanted, taken - {old})
        if topic.slug == old:
            continue
        taken.add(topic.slug)
        TopicOldSlug.objects.create(topic=topic, slug=old)
        topic.save(update_fields=["slug"])

    changed = []
    for article in Article.objects.order_by("pk").only("pk", "title", "slug").iterator(chunk_size=BATCH):
        if has_non_latin_letters(article.title) and article.slug != article_slug(article.title):
            article.slug = article_slug(article.title)
            changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["slug"])
            changed = []
    Article.objects.bulk_update(changed, ["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_authoring_content"),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="slug",
            field=articles.models.fields.UnicodeSlugField(
                db_index=False,
                help_text="Readable URL part, made from the title (in its own script).",
                max_length=100,
                verbose_name="slug",
            ),
        ),
        migrations.AlterField(
            model_name="topic",
            name="slug",
            field=articles.models.fields.UnicodeSlugField(
                help_text="The topic page's URL part, in the name's own script.",
                max_length=255,
                unique=True,
                verbose_name="slug",
            ),
        ),
        migrations.CreateModel(
            name="TopicOldSlug",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "slug",
                    models.CharField(
                        help_text="The URL part the topic had.", max_length=255, unique=True, verbose_name="old slug"
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="old_slugs", to="articles.topic"
                    ),
                ),
            ],
            options={
                "verbose_name": "old topic slug",
            },
        ),
        # Old URLs keep working in reverse too: their slugs are still found by id (articles) or kept.
        migrations.RunPython(reslug_non_latin, migrations.RunPython.noop, elidable=True),
    ]
