"""Digitally signed reports in the admin (issue 15): Home Affairs' list of trusted certificates, and the filter
of the assessments by signature status."""

import hashlib

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessment.models import TrustedCertificate
from assessment.policy import is_coordinator
from assessment.selectors.signatures import (
    SIGNATURE_CHECKED,
    SIGNATURE_NONE,
    SIGNATURE_PENDING,
    SIGNATURE_UNCHECKED,
    assessments_by_signature,
)
from assessment.services.signatures import trusted_certificate_add
from assessment.signatures import parse_certificate


class SignatureStatusFilter(admin.SimpleListFilter):
    title = _("digital signature")
    parameter_name = "signature"

    def lookups(self, request, model_admin):
        return [
            (SIGNATURE_CHECKED, _("signed digitally, revocation checked")),
            (SIGNATURE_UNCHECKED, _("signed digitally, revocation not checked")),
            (SIGNATURE_PENDING, _("signed report being verified")),
            (SIGNATURE_NONE, _("no digital signature (scan only)")),
        ]

    def queryset(self, request, queryset):
        return assessments_by_signature(queryset, self.value()) if self.value() else queryset


class TrustedCertificateForm(forms.ModelForm):
    certificate = forms.FileField(label=_("certificate file (PEM or DER)"))

    class Meta:
        model = TrustedCertificate
        fields = ["name", "is_root"]

    def clean_certificate(self):
        upload = self.cleaned_data["certificate"]
        data = upload.read(1024 * 1024)
        try:
            parse_certificate(data)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if TrustedCertificate.objects.filter(sha256=hashlib.sha256(parse_certificate(data)[0]).hexdigest()).exists():
            raise ValidationError(_("This certificate is already in the list."))
        return data


@admin.register(TrustedCertificate)
class TrustedCertificateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_root", "subject", "valid_until", "active"]
    list_filter = ["is_root", "active"]
    search_fields = ["name", "subject"]
    readonly_fields = ["subject", "sha256", "valid_until", "added_at"]

    def _may(self, request) -> bool:
        return is_coordinator(request.user)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_module_permission(self, request):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return False  # a certificate is added or removed, never edited

    def has_delete_permission(self, request, obj=None):
        return self._may(request)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TrustedCertificateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "is_root", "certificate"] if obj is None else ["name", "is_root", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        saved = trusted_certificate_add(
            actor=request.user, name=obj.name, is_root=obj.is_root, data=form.cleaned_data["certificate"]
        )
        obj.pk = saved.pk
        obj.__dict__.update({key: value for key, value in saved.__dict__.items() if not key.startswith("_")})
