"""The one FilterSet behind every article list: pages, search, the JSON API.

It only ever narrows the queryset it is given (the view passes live articles),
it accepts only live topics and sources, and the choices a page offers come
from ``Facets``, so neither a choice nor a validation message can reveal a
topic or a source that has no live article. A bad value leaves that filter out
and puts a readable error on the form.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import ranking
from .models import Article, Provider, Topic

# The values are the feed's words (and stay, for links already shared); the labels are the reader's.
ORDERING_CHOICES = [
    ("hot", "Top stories"),
    ("newest", "Latest"),
    ("quality", "Most trusted"),
    ("heat", "Trending"),
    ("relevance", "Best match"),
]
ORDERING_LABELS = dict(ORDERING_CHOICES)
INT_LIMIT = 2**31 - 1


class ArticleFilterForm(forms.Form):
    """The filter form; its one cross-field rule is the order of the two dates."""

    def clean(self):
        cleaned = super().clean()
        dates = cleaned.get("date")
        if dates and dates.start and dates.stop and dates.start > dates.stop:
            self.add_error("date", ValidationError("The start date is after the end date.", code="date_order"))
        return cleaned


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": "Search news"}),
    )
    topic = django_filters.ModelMultipleChoiceFilter(
        label="Topics",
        queryset=lambda request: Topic.objects.live(),  # a callable: "live" depends on the time of the request
        to_field_name="slug",
        method="filter_topics",
        widget=forms.CheckboxSelectMultiple,
    )
    provider = django_filters.ModelChoiceFilter(
        label="Source", queryset=lambda request: Provider.objects.live(), to_field_name="slug", widget=forms.Select
    )
    # A category's slug and a free-text type, offered as selects of those of recent articles.
    category = django_filters.CharFilter(
        label="Category", field_name="section__slug", max_length=100, widget=forms.Select
    )
    type = django_filters.CharFilter(label="Type", field_name="item_type", max_length=50, widget=forms.Select)
    # date_after / date_before, whole days, as an index-friendly range on the publication time.
    date = django_filters.DateFromToRangeFilter(label="Published", field_name="published_at")
    min_quality = IntegerFilter(
        label="Minimum quality",
        field_name="quality",
        lookup_expr="gte",
        min_value=-INT_LIMIT,
        max_value=INT_LIMIT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1, "placeholder": "e.g. 50"}),
    )
    ordering = django_filters.ChoiceFilter(
        label="Sort by", choices=ORDERING_CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Article
        fields = []
        form = ArticleFilterForm

    def __init__(self, data=None, queryset=None, *, default_ordering="hot", fixed=(), **kwargs):
        """``fixed`` names the filters the page applies itself (the topic
        page's topic), which the form then leaves out."""
        super().__init__(data, queryset, **kwargs)
        self.default_ordering = default_ordering
        self.now = timezone.now()
        for name in fixed:
            self.filters.pop(name, None)

    @property
    def cleaned_data(self) -> dict:
        return getattr(self.form, "cleaned_data", {})

    def offer_choices(self, facets) -> None:
        """Give the form's selects their options for a page: the facets', plus whatever valid value is chosen now.

        The values are validated first, against every ordering: this only
        changes what the page shows, never what a request may ask for.
        """
        self.is_valid()
        fields, cleaned = self.form.fields, self.cleaned_data
        if "topic" in fields:
            topics = list(facets.topics_by_name)
            topics += [topic for topic in cleaned.get("topic") or [] if topic not in topics]
            fields["topic"].widget.choices = [(topic.slug, topic.name) for topic in topics]
        if "provider" in fields:
            providers = list(facets.providers)
            chosen = cleaned.get("provider")
            if chosen and chosen not in providers:
                providers.append(chosen)
            fields["provider"].widget.choices = [("", "Any source")] + [(p.slug, p.name) for p in providers]
        types = [(value, value.capitalize()) for value in facets.types]
        categories = [(slug, name[:1].upper() + name[1:]) for slug, name in facets.categories]
        for name, values, empty in (
            ("category", categories, "Any category"),
            ("type", types, "Any type"),
        ):
            if name in fields:
                chosen = cleaned.get(name)
                if chosen and chosen not in {value for value, _ in values}:
                    values.append((chosen, chosen.capitalize()))
                fields[name].widget.choices = [("", empty), *values]
        if "ordering" in fields:
            # The first option is what an empty choice means: relevance for a search, else the default.
            choices = [choice for choice in ORDERING_CHOICES if choice[0] != "relevance"]
            if cleaned.get("q"):
                choices.insert(0, ("relevance", ORDERING_LABELS["relevance"]))
            fields["ordering"].choices = choices

    @property
    def current_ordering(self) -> str:
        """The ordering in force: the valid choice, else relevance for a search, else the default."""
        chosen = self.cleaned_data.get("ordering") or ""
        searching = bool(self.cleaned_data.get("q"))
        if chosen == "relevance" and not searching:
            chosen = ""
        return chosen or ("relevance" if searching else self.default_ordering)

    @property
    def is_filtered(self) -> bool:
        """Whether a filter or a search narrows the list (an ordering alone does not)."""
        return bool(self.cleaned_data.get("q")) or self.has_filters

    @property
    def has_filters(self) -> bool:
        """Whether one of the form's filters (not the search words, not the ordering) narrows the list."""
        for name, value in self.cleaned_data.items():
            if name in ("ordering", "q"):
                continue
            if isinstance(value, slice):  # the date range
                value = value.start or value.stop
            if isinstance(value, int) or value:  # a minimum quality of 0 filters too; no topics does not
                return True
        return False

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        ordering = self.current_ordering
        if ordering == "relevance":
            return ranking.order_by_relevance(queryset, self.cleaned_data["q"].strip())
        return ranking.order_by_choice(queryset, ordering, self.now)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return ranking.search(queryset, value, filtered=self.has_filters) if value else queryset

    def filter_topics(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.in_topics(*value)

    def filter_nothing(self, queryset, name, value):
        return queryset
