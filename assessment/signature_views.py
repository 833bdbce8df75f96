"""The unit head's digitally signed report: uploading it from the summary page (issue 15)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessment.models import SignatureState
from assessment.policy import signed_report_refusal
from assessment.selectors.portal import unit_assessments
from assessment.selectors.signatures import report_signature_display
from assessment.services.signatures import report_signature_upload


class SignedReportForm(forms.Form):
    signed_pdf = forms.FileField(
        label=gettext_lazy("Digitally signed report (PDF signed with your digital signature)"),
        error_messages={"required": gettext_lazy("Choose the digitally signed report (PDF).")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".pdf"}),
    )


def signature_context(user, assessment) -> dict:
    """What the summary page shows of the digitally signed report: the last accepted one and the upload form."""
    return {
        **report_signature_display(assessment),  # issue 15
        "may_upload_signed_report": signed_report_refusal(user, assessment) is None,
        "signed_report_form": SignedReportForm(),
    }


@require_POST
def report_signature_upload_view(request, pk):
    """Check and store the uploaded signed report (verified by a background job); back on the summary page with
    the verification, every reason, or the verification in progress."""
    assessment = get_object_or_404(unit_assessments(request.user), pk=pk)  # another unit's: 404
    form = SignedReportForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("signed_pdf", []):
            messages.error(request, error)
        return redirect("assessment:assessment-summary", assessment.pk)
    try:
        signature = report_signature_upload(
            assessment=assessment, user=request.user, upload=form.cleaned_data["signed_pdf"]
        )
    except ValidationError as error:
        messages.error(request, _("The digitally signed report was not accepted:"))
        for problem in error.messages:
            messages.error(request, problem)
    else:
        signature.refresh_from_db()  # the verification job ran already when the jobs run in the process
        if signature.state == SignatureState.VERIFIED:
            messages.success(
                request,
                _("The digitally signed report of %(signer)s was verified.") % {"signer": signature.signer_name},
            )
        elif signature.state == SignatureState.REFUSED:
            messages.error(request, _("The digitally signed report was not accepted:"))
            for problem in signature.problems:
                messages.error(request, problem)
        else:
            messages.info(request, _("The digitally signed report was received: its signatures are being checked."))
    return redirect("assessment:assessment-summary", assessment.pk)
