"""The section form's inputs written directly are Django's own rendering, character for character (issue 12)."""

from django import forms
from django.template.loader import render_to_string

from assessment.forms import EvidenceForm, ExplanationForm, ScoreForm
from assessment.models import Score
from assessment.templatetags.fast_fields import fast_field, fast_widget
from tests.assessment.conftest import score_of

# 1.1.1 yes/no (a select), 1.1.2 tiers (a localized text input), 1.3.1 ratio, 1.4 a count (a number input);
# evidence asked (a text area more); N/A allowed on some (a checkbox).
CODES = ["1.1.1", "1.1.2", "1.3.1", "1.3.2", "1.4", "1.5", "2.2"]


def _posted(form, **values):
    data = {form.add_prefix("version"): "0", form.add_prefix("seen"): form.initial["seen"]}
    data.update({form.add_prefix(name): value for name, value in values.items()})
    return data


def _forms(score):
    unbound = ScoreForm(score=score)
    typed = ScoreForm(
        _posted(
            unbound,
            declared_value="1",
            self_points="0,75",
            is_na="on",
            na_reason='Không "phát sinh" <b>&</b>',
            note="Dòng 1\nDòng 2 <script>",
            no_evidence_reason="Lưu tại đơn vị",
        ),
        score=score,
    )
    typed.is_valid()
    refused = ScoreForm(_posted(unbound, declared_value="abc", self_points="99999999"), score=score)
    refused.is_valid()
    refused.add_error(None, "Một lỗi chung")
    return [unbound, typed, refused]


def _assert_same(form):
    for name in form.fields:
        bound = form[name]
        assert str(fast_widget(bound)) == str(bound), (form.score.criterion.code, name)
        assert str(fast_field(bound)) == render_to_string("assessment/_field.html", {"field": bound}), name


def test_every_input_of_every_kind_of_leaf_is_written_as_django_writes_it(assessment):
    for code in CODES:
        for form in _forms(score_of(assessment, code)):
            _assert_same(form)


def test_a_saved_leaf_shows_its_values_as_django_shows_them(assessment):
    score = score_of(assessment, "1.1.1")
    Score.objects.filter(pk=score.pk).update(declared_value=1, self_points="0.50", note="Đã <lưu>", version=3)
    score = score_of(assessment, "1.1.1")
    form = ScoreForm(score=score)
    assert 'value="1" selected' in str(fast_widget(form["declared_value"]))
    assert 'value="0,50"' in str(fast_widget(form["self_points"]))
    _assert_same(form)


def test_an_explanation_is_written_as_django_writes_it(assessment):
    score = score_of(assessment, "1.1.1")
    _assert_same(ExplanationForm(score=score))
    bound = ExplanationForm({f"s{score.pk}-version": "x", f"s{score.pk}-explanation": "<i>Vì</i>"}, score=score)
    bound.is_valid()
    assert bound.errors
    _assert_same(bound)


def test_a_widget_it_does_not_write_is_left_to_django(assessment):
    class Other(forms.Form):
        when = forms.SplitDateTimeField()
        choice = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = Other({"choice": ["a"]})
    form.is_valid()
    for name in form.fields:
        assert str(fast_widget(form[name])) == str(form[name])


def test_the_evidence_dialog_inputs_are_written_as_django_writes_them(db):
    """The evidence dialog of the field page (a date input among them), empty and refused."""
    for form in (
        EvidenceForm(),
        EvidenceForm({"number": "12/KH-UBND <b>", "issued_on": "31/02/2025", "issuer": "UBND", "locator": "tr. 2"}),
        EvidenceForm({"issued_on": "05/03/2025"}),
    ):
        form.is_valid()
        for name in form.fields:
            bound = form[name]
            assert str(fast_widget(bound)) == str(bound), name
            assert str(fast_field(bound)) == render_to_string("assessment/_field.html", {"field": bound}), name
    assert 'type="date"' not in str(fast_widget(EvidenceForm()["issued_on"]))  # a text date input, dd/mm/yyyy
