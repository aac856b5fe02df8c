"""The article change form of the admin: the version stamp that refuses stale
saves, and the comment that goes with a workflow button."""

from django import forms

from . import services, workflow


class UntrackedField(forms.CharField):
    """A form field that is not article content: typing in it is not an edit."""

    def has_changed(self, initial, data):
        return False


class ArticleAdminForm(forms.ModelForm):
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
