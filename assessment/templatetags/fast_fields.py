"""The section form's inputs written directly (issue 12): the same HTML as Django's widget templates, without
rendering four templates per input (100 leaves × 6 inputs made template rendering 85 % of the field page).

Only the widgets of the portal's forms are written here (text, number, date, hidden, checkbox, textarea, select); any
other widget is rendered by Django as usual. tests/assessment/test_fast_fields.py compares every input of the
section form, unbound, bound, refused and checked, with Django's own rendering, character for character.
"""

import html

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

INPUT = "django/forms/widgets/input.html"
INPUTS = {f"django/forms/widgets/{kind}.html" for kind in ("text", "number", "hidden", "checkbox", "date")} | {INPUT}
TEXTAREA = "django/forms/widgets/textarea.html"
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def conditional_escape(value) -> str:
    """django.utils.html.conditional_escape without its lazy wrapper (thousands of calls on a page): safe text as
    it is, anything else through html.escape, as django.utils.html.escape does."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        )
    return "".join(parts)


def _widget(context: dict) -> str:
    """One widget's HTML from its context (Widget.get_context), as its Django template writes it."""
    name, value, attrs = conditional_escape(context["name"]), context["value"], context["attrs"]
    if context["template_name"] in INPUTS:
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return f'<input type="{conditional_escape(context["type"])}" name="{name}"{shown}{_attrs(attrs)}>'
    if context["template_name"] == TEXTAREA:
        return f'<textarea name="{name}"{_attrs(attrs)}>\n{conditional_escape(value) if value else ""}</textarea>'
    options = []
    for group_name, group_choices, _index in context["optgroups"]:
        if group_name:
            options.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            options.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"  # the option template's last line break
            )
        if group_name:
            options.append("\n  </optgroup>")
    return f'<select name="{name}"{_attrs(attrs)}>{"".join(options)}\n</select>'


def _writable(widget, context: dict) -> bool:
    if context["template_name"] in INPUTS | {TEXTAREA}:
        return True
    return context["template_name"] == SELECT and all(
        option["template_name"] == OPTION for _name, choices, _index in context["optgroups"] for option in choices
    )


@register.filter
def fast_widget(bound_field) -> str:
    """``{{ form.field|fast_widget }}``: what ``{{ form.field }}`` writes (BoundField.as_widget), written directly."""
    field = bound_field.field
    widget = field.widget
    if field.localize:
        widget.is_localized = True
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    context = widget.get_context(bound_field.html_name, bound_field.value(), attrs)["widget"]
    if not _writable(widget, context):
        return bound_field.as_widget()
    return mark_safe(_widget(context))  # noqa: S308 (every piece escaped above)


@register.simple_tag
def fast_field(bound_field) -> str:
    """assessment/_field.html for one input (its label, the input, its errors), written directly."""
    label = ""
    if bound_field.label:
        label = format_html(
            '<label class="form-label small mb-1" for="{}">{}</label>', bound_field.id_for_label, bound_field.label
        )
    errors = "".join(
        format_html('<div class="invalid-feedback d-block">{}</div>', error) for error in bound_field.errors
    )
    # Ending with the line break the included template ends with: the page is the same to the byte.
    return mark_safe(f'<div class="mb-2">{label}{fast_widget(bound_field)}{errors}</div>\n')  # noqa: S308 (escaped)
