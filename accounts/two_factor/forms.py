from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    """One code: the 6 digits of the authenticator app, or a backup code."""

    token = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )


class EnrolmentForm(forms.Form):
    """The first code of a new authenticator, which proves it was set up right."""

    token = forms.CharField(
        label=_("The 6-digit code shown by the app"),
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
