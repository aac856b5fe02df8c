"""``Article.body_html``: the body rendered and sanitized once, when it is written, so that pages never run
Markdown (articles/rendering.py). Filled here for the articles already there, about a millisecond each."""

import articles.rendering
from django.db import migrations, models

BATCH = 500


def render_bodies(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    batch = []
    for article in Article.objects.exclude(body="").only("id", "body", "title").iterator(chunk_size=BATCH):
        article.body_html = articles.rendering.body_html_or_note(article.body, article.title)
        batch.append(article)
        if len(batch) == BATCH:
            Article.objects.bulk_update(batch, ["body_html"])
            batch = []
    Article.objects.bulk_update(batch, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_content_version")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="body_html",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The body rendered and sanitized when it was written; pages show this, never render Markdown.",
                verbose_name="body as HTML",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="body",
            field=models.TextField(
                blank=True,
                help_text="Optional full text, in Markdown; at most 100,000 characters.",
                validators=[articles.rendering.check_body],
                verbose_name="body",
            ),
        ),
        migrations.RunPython(render_bodies, migrations.RunPython.noop, elidable=True),
    ]
