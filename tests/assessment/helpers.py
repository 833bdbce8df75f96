"""Driving the section form as a browser would: every input with the value the page shows."""

from datetime import timedelta

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize_input

from assessment.workflow import transition


def _text(field, value) -> str:
    if value is None:
        return ""
    if getattr(field, "localize", False):
        return localize_input(value)
    return str(value)


def page_data(response) -> dict[str, str]:
    """The POST a browser sends for the section on this page, untouched."""
    data = {}
    for criterion in response.context["rows"]:
        form = getattr(criterion, "form", None)
        if form is None:
            continue
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            else:
                data[bound.html_name] = _text(field, value)
    return data


def open_field(client, assessment, field):
    return client.get(reverse("assessment:assessment-detail", args=[assessment.pk]) + f"?field={field}")


def save_field(client, assessment, field, data):
    return client.post(reverse("assessment:section-save", args=[assessment.pk, field]), data)


def edit(data, score, **values) -> dict[str, str]:
    """Change the inputs of one leaf, as typed (booleans as True/False)."""
    data = dict(data)
    for name, value in values.items():
        key = f"s{score.pk}-{name}"
        if value is True:
            data[key] = "on"
        elif value is False:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def open_explanation(assessment, coordinator):
    """The appraised ``assessment`` returned to its unit, its period moved so that the explanation round is open
    today (the self-assessment and the appraisal closed before)."""
    today = timezone.localdate()
    period = assessment.period
    period.self_assessment_opens = today - timedelta(days=40)
    period.self_assessment_closes = today - timedelta(days=30)
    period.appraisal_closes = today - timedelta(days=10)
    period.explanation_opens = today - timedelta(days=1)
    period.explanation_closes = today + timedelta(days=5)
    period.save()
    assessment.refresh_from_db()
    transition(assessment, "returned", coordinator)
    return assessment
