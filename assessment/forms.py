"""The unit's forms: thin parsing of what was typed; the rules are the services'."""

import hashlib
import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment import scoring
from assessment.services import ScoreInput
from cchc.reversing import url_halves

SECTION_FORM_ID = "section-form"


def _attrs(**extra):
    return {"class": "form-control form-control-sm", **extra}


class InvalidMarksMixin:
    """Bootstrap shows a field in red when its input has the ``is-invalid`` class."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in ([field] if field else []) if not isinstance(error, dict) else list(error):
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def fingerprint(*values) -> str:
    """A short digest of what a leaf showed; one hidden input per leaf tells whether the person changed it."""
    canonical = []
    for value in values:
        if value is None or value == "":
            canonical.append("")
        elif isinstance(value, bool):
            canonical.append("1" if value else "0")
        elif isinstance(value, (int, Decimal)):
            canonical.append(format(Decimal(value).normalize(), "f"))
        else:
            canonical.append(str(value).strip())
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()[:20]


class FingerprintMixin:
    """Change detection against what the page showed (the ``seen`` fingerprint), not against the database."""

    seen_fields: tuple[str, ...] = ()

    def shown_fingerprint(self) -> str:
        return fingerprint(*(self.initial.get(name) for name in self.seen_fields))

    def has_changed(self):
        if not self.is_bound:
            return False
        data = getattr(self, "cleaned_data", {})
        return fingerprint(*(data.get(name) for name in self.seen_fields)) != self.data.get(self.add_prefix("seen"))


class ScoreForm(FingerprintMixin, InvalidMarksMixin, forms.Form):
    """One appraisal leaf in the section form."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    seen_fields = ("declared_value", "self_points", "is_na", "na_reason", "note", "no_evidence_reason")

    def __init__(self, *args, score, **kwargs):
        self.score = score
        criterion = score.criterion
        kwargs.setdefault("prefix", f"s{score.pk}")
        kwargs.setdefault(
            "initial",
            {
                "version": score.version,
                "declared_value": _initial_declared(score),
                "self_points": score.self_points,
                "is_na": score.is_na,
                "na_reason": score.na_reason,
                "note": score.note,
                "no_evidence_reason": score.no_evidence_reason,
            },
        )
        kwargs["initial"]["seen"] = fingerprint(*(kwargs["initial"].get(name) for name in self.seen_fields))
        super().__init__(*args, **kwargs)
        rule = criterion.rule
        common = {"required": False}
        if rule == scoring.YES_NO:
            self.fields["declared_value"] = forms.TypedChoiceField(
                label=_("Declared"),
                choices=[("", "—"), ("1", _("Yes")), ("0", _("No"))],
                coerce=Decimal,
                empty_value=None,
                widget=forms.Select(attrs=_attrs(**{"class": "form-select form-select-sm"})),
                **common,
            )
        elif rule in (scoring.COUNT, scoring.DEDUCTION):
            self.fields["declared_value"] = forms.IntegerField(
                label=_("Declared number"),
                min_value=0,
                widget=forms.NumberInput(attrs=_attrs(min="0", step="1")),
                **common,
            )
        elif rule in (scoring.TIERS, scoring.RATIO):
            self.fields["declared_value"] = forms.DecimalField(
                label=_("Declared rate (%)"),
                max_digits=12,
                decimal_places=2,
                min_value=0,
                localize=True,
                widget=forms.TextInput(attrs=_attrs(inputmode="decimal")),
                **common,
            )
        self.fields["self_points"] = forms.DecimalField(
            label=_("Self score"),
            max_digits=7,
            decimal_places=2,
            localize=True,
            widget=forms.TextInput(attrs=_attrs(inputmode="decimal")),
            **common,
        )
        # Always parsed, shown only where the framework allows N/A: a forged "N/A" gets the service's refusal.
        self.fields["is_na"] = forms.BooleanField(
            label=_("Not applicable"),
            widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-na-toggle": "1"}),
            **common,
        )
        self.fields["na_reason"] = forms.CharField(
            label=_("Why it does not apply"), widget=forms.Textarea(attrs=_attrs(rows=2)), **common
        )
        if criterion.evidence_required:
            self.fields["no_evidence_reason"] = forms.CharField(
                label=_("If there is no evidence, why"), widget=forms.Textarea(attrs=_attrs(rows=2)), **common
            )
        self.fields["note"] = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs=_attrs(rows=2)), **common)
        self.fields["self_points"].widget.attrs.update({"data-self-points": "1", "data-scoring-input": "1"})
        if "declared_value" in self.fields:
            self.fields["declared_value"].widget.attrs.update(
                {
                    "data-proposal-url": _proposal_url(score.assessment_id, score.pk),
                    "data-proposal-target": f"proposal-{score.pk}",
                    "data-self-input": f"id_{self.prefix}-self_points",
                    "data-scoring-input": "1",
                }
            )

    def to_input(self, *, partial: bool = False) -> ScoreInput:
        """What was typed, for the service; ``partial`` on a refused form: the values that parsed, for the rules."""
        data = self.cleaned_data
        declared = data.get("declared_value")
        return ScoreInput(
            score_id=self.score.pk,
            version=data.get("version", 0) if partial else data["version"],
            declared_value=None if declared is None else Decimal(declared),
            self_points=data.get("self_points"),
            is_na=bool(data.get("is_na")),
            na_reason=data.get("na_reason") or "",
            note=data.get("note") or "",
            no_evidence_reason=data.get("no_evidence_reason") or "",
        )


# One reverse() per assessment, not per leaf (issue 12): the URL of another leaf differs only in its score id.
def _proposal_url(assessment_id: int, score_id: int) -> str:
    """reverse("assessment:score-proposal", args=[assessment_id, score_id]), the pattern reversed once
    (cchc.reversing)."""
    head, tail = url_halves("assessment:score-proposal", assessment_id)
    return f"{head}{int(score_id)}{tail}"


def _initial_declared(score):
    value = score.declared_value
    if value is None:
        return None
    if score.criterion.rule == scoring.YES_NO:
        return "1" if value else "0"
    if score.criterion.rule in (scoring.COUNT, scoring.DEDUCTION):
        return int(value)
    return value


class ExplanationForm(FingerprintMixin, InvalidMarksMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    explanation = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs=_attrs(rows=3)))
    seen_fields = ("explanation",)

    def __init__(self, *args, score, **kwargs):
        self.score = score
        kwargs.setdefault("prefix", f"s{score.pk}")
        kwargs.setdefault("initial", {"version": score.version, "explanation": score.explanation})
        kwargs["initial"]["seen"] = fingerprint(score.explanation)
        super().__init__(*args, **kwargs)


class EvidenceForm(forms.Form):
    """Upload files (each checked by the service) or attach a document the unit already has, for one leaf."""

    document = forms.IntegerField(required=False, widget=forms.HiddenInput)
    number = forms.CharField(
        label=_("Document number"), max_length=100, required=False, widget=forms.TextInput(attrs=_attrs())
    )
    issued_on = forms.DateField(
        label=_("Issue date"),
        required=False,
        widget=forms.DateInput(attrs=_attrs(placeholder="dd/mm/yyyy", inputmode="numeric")),
        error_messages={"invalid": _("Issue date: enter the date as dd/mm/yyyy.")},
    )
    issuer = forms.CharField(label=_("Issuer"), max_length=255, required=False, widget=forms.TextInput(attrs=_attrs()))
    locator = forms.CharField(
        label=_("Page or section that proves it"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs=_attrs()),
    )


class SubmitForm(forms.Form):
    signed_report = forms.FileField(
        label=_("Signed self-assessment report (scan: PDF, JPG or PNG)"),
        required=True,  # marked as such; the service checks it again, with the same message
        error_messages={"required": _("Upload the signed self-assessment report (a scan, PDF, JPG or PNG).")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the self-assessment is complete; after submitting, the unit can no longer change it."),
        required=True,
        error_messages={"required": _("Tick the confirmation to submit.")},
    )


class DifficultiesForm(forms.Form):
    """The unit's "difficulties, obstacles and recommendations", with the text the page showed (to see a
    concurrent change)."""

    difficulties = forms.CharField(
        label=_("Difficulties, obstacles and recommendations"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 12}),
    )
    seen = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
