"""Imports of one period's score rows (grades, survey results): the period is chosen in the import form."""

from django import forms
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm

from assessment.models import Period
from cchc.admin import TableImportForm


class PeriodImportForm(TableImportForm):
    period = forms.ModelChoiceField(queryset=Period.objects.filter(opened_at__isnull=False), label=_("Period"))
    field_order = ["period", "resource", "import_file", "format"]


class PeriodConfirmImportForm(ConfirmImportForm):
    period = forms.ModelChoiceField(queryset=Period.objects.all(), widget=forms.HiddenInput)


class PeriodImportMixin:
    """Imports of one period's rows: the period comes from the import form."""

    import_form_class = PeriodImportForm
    confirm_form_class = PeriodConfirmImportForm

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["period"] = import_form.cleaned_data["period"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        if form is not None and getattr(form, "cleaned_data", None) and form.cleaned_data.get("period"):
            resource_kwargs["period"] = form.cleaned_data["period"]
        return resource_kwargs
