"""The article change form of the admin: the version stamp that refuses stale
saves, the comment that goes with a workflow button, and the rule that text a
browser merely sent back in another form is not a change."""

import re

from django import forms
from django.utils.functional import cached_property

from . import services, workflow

LINE_BREAK = re.compile(r"\r\n?|\n")


def as_a_browser_sends(text: str, *, multiline: bool) -> str:
    """The text as a browser posts it back from a form field and Django's CharField cleans it.

    A textarea's line breaks come back as CRLF, a one-line input drops them,
    and the field strips whitespace around the value.
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
        return as_a_browser_sends(stored, multiline=multiline) == as_a_browser_sends(posted, multiline=multiline)

    @cached_property
    def changed_data(self):
        return [name for name in super().changed_data if not self.same_as_stored(name)]

    def _post_clean(self):
        for name in self.cleaned_data.keys() - set(self.changed_data):
            if self.same_as_stored(name):
                self.cleaned_data[name] = self[name].initial  # the stored value, not the browser's copy of it
        super()._post_clean()


class UntrackedField(forms.CharField):
    """A form field that is not article content: typing in it is not an edit."""

    def has_changed(self, initial, data):
        return False


class ArticleAdminForm(KeepStoredText):
    edit_token = UntrackedField(
        widget=forms.HiddenInput,
        required=False,
        help_text="The article's version when this page was opened; a save is refused if it has changed since.",
    )
    transition_comment = UntrackedField(
        label="Workflow comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded in the history with the workflow button you press. Required to send an article back.",
    )

    request = None  # set by ArticleAdmin.get_form, which also sets the model and fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_token"].initial = self.instance.edit_token

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None:
            return cleaned_data
        token = cleaned_data.get("edit_token")
        if not token:
            raise forms.ValidationError(
                "This form has no version stamp, so it cannot be checked against newer saves. Reload the page.",
                code="missing_edit_token",
            )
        # Locks the row until the admin's transaction ends, so that nobody
        # saves between this check and our own save.
        current = services.check_not_changed_since(article=self.instance, seen_token=token)
        name = self.data.get("_transition")
        if name:
            comment = cleaned_data.get("transition_comment") or ""
            try:
                workflow.check_transition(user=self.request.user, article=current, name=name, comment=comment)
            except workflow.TransitionRefused as error:
                # At the top of the page, where "Please correct the error below" points.
                self.add_error(None, error)
                transition = workflow.TRANSITIONS.get(name)
                if transition and transition.comment_required and not comment.strip():
                    self.add_error("transition_comment", "Write why here, then press the button again.")
        return cleaned_data
