"""``ContentVersion``: the page cache's version, shared through the database when there is no shared cache
(articles/caching.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_article_parts_follow_the_article")]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                (
                    "scope",
                    models.CharField(
                        help_text="What the version covers: “site” is every public page.",
                        max_length=100,
                        primary_key=True,
                        serialize=False,
                        verbose_name="scope",
                    ),
                ),
                (
                    "token",
                    models.CharField(
                        help_text="Random; replaced by every change readers could see.",
                        max_length=32,
                        verbose_name="token",
                    ),
                ),
                (
                    "upcoming",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Go-live and expiry times still to come (Unix seconds, earliest first): each replaces the token.",
                        verbose_name="upcoming times",
                    ),
                ),
                (
                    "next_at",
                    models.FloatField(
                        blank=True,
                        help_text="The earliest upcoming time, read with the token on each page.",
                        null=True,
                        verbose_name="next time",
                    ),
                ),
            ],
            options={"verbose_name": "content version"},
        ),
    ]
