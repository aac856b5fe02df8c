"""The article change form of the admin: the version stamp it carries to
``services.article_save``, the comment that goes with a workflow button, the
reason a save was refused, and the rule that text a browser merely sent back in
another form is not a change."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property

from . import workflow

LINE_BREAK = re.compile(r"\r\n?|\n")


def comparable(text: str, *, multiline: bool) -> str:
    """The text without what a browser and the form field may change in it on the way back.

    A textarea sends its line breaks as CRLF (here: LF), a one-line input
    drops them, and the field strips the whitespace around the value.
    """
    return LINE_BREAK.sub("\n" if multiline else "", text).strip()


class KeepStoredText(forms.ModelForm):
    """A model form on which text that differs from the stored value only in its form is not a change.

    Opening an imported article and pressing Save sends its text back with
    CRLF line ends, without the trailing newline, and so on: that is not an
    edit, must not be logged as one, and the stored value stays byte for byte
    as it was (export gives the seed file back). Only a change of the
    characters themselves counts.
    """

    def same_as_stored(self, name: str) -> bool:
        field, bound = self.fields[name], self[name]
        stored, posted = bound.initial, bound.data
        if not (isinstance(stored, str) and isinstance(posted, str)):
            return False
        multiline = isinstance(field.widget, forms.Textarea)
        return comparable(stored, multiline=multiline) == comparable(posted, multiline=multiline)

    @cached_property
    def changed_data(self):
        return [name for name in super().changed_data if not self.same_as_stored(name)]

    def clean(self):
        for name in self.cleaned_data.keys() - set(self.changed_data):
            if self.same_as_stored(name):
                self.cleaned_data[name] = self[name].initial  # the stored value, not the browser's copy of it
        return super().clean()


class UntrackedField(forms.CharField):
    """A form field that is not article content: typing in it is not an edit."""

    def has_changed(self, initial, data):
        return False


class UntrackedChoiceField(forms.ChoiceField):
    def has_changed(self, initial, data):
        return False


def correction_kinds():
    from .models import Correction

    return Correction.Kind.choices


class ArticleAdminForm(KeepStoredText):
    edit_token = UntrackedField(
        widget=forms.HiddenInput,
        required=False,
        help_text="The article's version when this page was opened; a save is refused if it has changed since.",
    )
    seen_revision = UntrackedField(
        widget=forms.HiddenInput,
        required=False,
        help_text="The article's latest revision when this page was opened: the base of the three-way view of "
        "a save refused because someone saved in between.",
    )
    transition_comment = UntrackedField(
        label="Workflow comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded in the history with the workflow button you press. Required to send an article back.",
    )

    embargo_override = UntrackedField(
        label="Override the embargo",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Editors only, to publish before the embargo lifts: say why (e.g. the embargo was broken "
        "elsewhere). The embargo is lifted and your reason recorded in the history.",
    )

    # Asked when a change to a live story's headline, standfirst or body is saved (services.article_save).
    correction_kind = UntrackedChoiceField(
        label="Kind of change",
        required=False,
        choices=correction_kinds,
        widget=forms.RadioSelect,
        help_text="Readers see a correction, a clarification or an update under the story, with its note and date. "
        "A silent fix (typos only) is not shown; only editors may make one.",
    )
    correction_note = UntrackedField(
        label="Note for readers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="What was wrong and what is right now. Required unless this is a silent fix. "
        "It cannot be edited or deleted once saved.",
    )

    new_topics = forms.CharField(
        label="New topics",
        required=False,
        max_length=1000,
        help_text=(
            "Topics not in the list above, separated by commas, e.g. “Housing, Local elections”. "
            "A name that matches an existing topic (case and spacing do not matter) files the story there instead."
        ),
    )

    # What a writer knows these fields as.
    LABELS = {"title": "Headline", "excerpt": "Standfirst", "section": "Category"}

    request = None  # set by WorkflowAdmin.get_form, which also sets the model and fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_token"].initial = self.instance.edit_token
            if "seen_revision" in self.fields and not self.is_bound:
                from .presence import latest_revision_number

                self.fields["seen_revision"].initial = latest_revision_number(self.instance)
        for name, label in self.LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
        if "slug" in self.fields:  # the model makes one from the headline (Article.save)
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Readable URL part; made from the headline when left empty."

    def clean_new_topics(self) -> list[str]:
        from .models import Topic

        names = [" ".join(name.split()) for name in self.cleaned_data.get("new_topics", "").split(",")]
        names = [name for name in names if name]
        too_long = [name for name in names if len(name) > Topic._meta.get_field("name").max_length]
        if too_long:
            raise forms.ValidationError("A topic name has at most 200 characters.", code="topic_too_long")
        return names

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None and not cleaned_data.get("edit_token"):
            raise forms.ValidationError(
                "This form has no version stamp, so it cannot be checked against newer saves. Reload the page.",
                code="missing_edit_token",
            )
        self.check_correction()
        refused = getattr(self.request, "refused_save", None)
        if refused is not None:
            self.show_refusal(refused)
        return cleaned_data

    def corrects_live_text(self) -> bool:
        """Whether this save changes the headline, standfirst or body of a live story (so asks for its kind)."""
        from .models import Correction

        if getattr(self.request, "pending_box", None) is not None:
            return False  # a pending change's save: asked when it is published (articles.pending)
        live = self.instance.pk is not None and self.instance.is_live()
        return live and bool(set(self.changed_data) & set(Correction.TEXT_FIELDS))

    def correction(self) -> tuple[str, str] | None:
        if not self.corrects_live_text():
            return None
        return self.cleaned_data.get("correction_kind") or "", self.cleaned_data.get("correction_note") or ""

    def check_correction(self) -> None:
        from . import services

        correction = self.correction()
        if correction is None:
            return
        refused = services.correction_refusal(getattr(self.request, "user", None), *correction)
        if refused is not None:
            for name, errors in refused.update_error_dict({}).items():
                self.add_error(name, errors)

    def show_refusal(self, refused: ValidationError) -> None:
        """Why services refused this very form's save (see WorkflowAdmin.changeform_view): on its field, else on top.

        A button that needs a comment, pressed without one, is refused beside the comment box.
        """
        transition = workflow.TRANSITIONS.get(self.data.get("_transition", ""))
        comment = (self.cleaned_data.get("transition_comment") or "").strip()
        needs_comment = (
            isinstance(refused, workflow.TransitionRefused)
            and transition
            and transition.comment_required
            and not comment
        )
        for name, errors in refused.update_error_dict({}).items():
            if name not in self.fields:
                name = "transition_comment" if needs_comment else None
            self.add_error(name, errors)
        if needs_comment:
            self.add_error("transition_comment", "Write why here, then press the button again.")
