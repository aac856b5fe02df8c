"""Fewer indexes for every article insert to keep up to date (the import writes 10,000s).

- ``web_url``: unique through a constraint instead of ``unique=True``, which on
  PostgreSQL also built a ``varchar_pattern_ops`` index for LIKE queries that
  nothing makes. The constraint is added before the old one goes, so the URL
  is unique throughout.
- ``slug``: no index; articles are found by id.
- ``provider``: no index of its own; ``article_provider_published`` starts with it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0004_listing_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='article',
            constraint=models.UniqueConstraint(fields=('web_url',), name='article_web_url_unique', violation_error_message='An article with this web URL already exists.'),
        ),
        migrations.AlterField(
            model_name='article',
            name='provider',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The source that published the item.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='articles', to='articles.provider', verbose_name='provider'),
        ),
        migrations.AlterField(
            model_name='article',
            name='slug',
            field=models.SlugField(db_index=False, help_text='Readable URL part, made from the title.', max_length=100, verbose_name='slug'),
        ),
        migrations.AlterField(
            model_name='article',
            name='web_url',
            field=models.URLField(help_text="The article's address at its source; the identity used when seed files are imported.", max_length=2000, verbose_name='web URL'),
        ),
    ]
