"""Providers are matched by a key computed in Python (``articles.models.provider_key``).

The unique constraint on LOWER(domain) it replaces did not fold non-ASCII
letters on SQLite, so "À.example" and "à.example" could be two providers
there. Providers that the new key finds to be one are merged into the oldest:
their articles, related links and logos move to it.
"""

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    Provider = apps.get_model("articles", "Provider")
    Article = apps.get_model("articles", "Article")
    RelatedLink = apps.get_model("articles", "RelatedLink")
    ProviderLogo = apps.get_model("articles", "ProviderLogo")
    kept = {}
    for provider in Provider.objects.order_by("id").iterator():
        key = provider.domain.strip().lower()
        if key in kept:
            for model in (Article, RelatedLink, ProviderLogo):
                model.objects.filter(provider_id=provider.id).update(provider_id=kept[key])
            provider.delete()
            continue
        kept[key] = provider.id
        provider.key = key
        provider.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_fewer_article_indexes")]

    operations = [
        migrations.AddField(
            model_name="provider",
            name="key",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The domain in lower case; two domains with one key are one provider.",
                max_length=253,
                verbose_name="matching key",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="provider",
            name="key",
            field=models.CharField(
                editable=False,
                help_text="The domain in lower case; two domains with one key are one provider.",
                max_length=253,
                unique=True,
                verbose_name="matching key",
            ),
        ),
        migrations.RemoveConstraint(model_name="provider", name="provider_domain_unique_ci"),
    ]
