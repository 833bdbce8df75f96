"""The field page's leaf cards written directly (issue 12): the per-leaf loop of assessment_detail.html was a third
of the page's time in the template engine (an include, a URL and a dozen translations per leaf).

``{% leaf_cards %}`` writes the rows of the section form, ``{% leaf_forms %}`` the hidden confirm and remove forms
after it, to the byte as the templates wrote them: the same msgids (so the catalogue still applies), Django's own
filters for the numbers and dates, each URL reversed once per page. tests/assessment/test_leaf_cards.py compares
the page with the templates' rendering, captured in every state. The evidence block is still a template of its own
(assessment/_evidence.html, with _carried.html) for the request that redraws it in place; the same test compares the
two. Last year's plan items (rare) are still drawn by assessment/_plan_items.html.
"""

from django import template
from django.template.defaultfilters import date, floatformat, linebreaksbr, yesno
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from assessment.formatting import compact
from assessment.models import Method
from assessment.policy import EXPLANATION, SELF
from assessment.templatetags.fast_fields import conditional_escape as escape
from assessment.templatetags.fast_fields import fast_field, fast_widget
from cchc.reversing import url_halves

register = template.Library()

PLAN_ITEMS = "assessment/_plan_items.html"


class _Url:
    """One URL pattern reversed once (cchc.reversing); ``url(pk)`` is what ``{% url name *args pk %}`` writes
    (escaped)."""

    def __init__(self, name, *args):
        head, tail = url_halves(name, *args)
        self.head, self.tail = escape(head), escape(tail)

    def __call__(self, pk) -> str:
        return f"{self.head}{int(pk)}{self.tail}"


class _Page:
    """What every leaf of the page shares: the round, the URLs, the CSRF input and the words of the card."""

    def __init__(self, context):
        self.assessment = context["assessment"]
        self.round = context.get("round")
        self.show_appraisal = context.get("show_appraisal")
        self.csrf = _csrf_input(context.get("csrf_token"))
        self.download = _Url("assessment:document-download")
        self.remove = _Url("assessment:evidence-remove", self.assessment.pk)
        self.add = _Url("assessment:evidence-add", self.assessment.pk)
        self.confirm = _Url("assessment:carried-confirm", self.assessment.pk)
        # Literal msgids, so that makemessages still finds them; a literal's translation is safe: not escaped.
        self.words = {
            "Scored by survey: nothing to enter.": gettext("Scored by survey: nothing to enter."),
            "bonus": gettext(
                "Bonus and penalty points are set by Home Affairs; you may attach the decisions that justify them."
            ),
            "Guidance": gettext("Guidance"),
            "Proposed score": gettext("Proposed score"),
            "Declared": gettext("Declared"),
            "Self score": gettext("Self score"),
            "not applicable": gettext("not applicable"),
            "Why it does not apply": gettext("Why it does not apply"),
            "Note": gettext("Note"),
            "Saved values:": gettext("Saved values:"),
            "declared": gettext("declared"),
            "self score": gettext("self score"),
            "Appraised score": gettext("Appraised score"),
            "Appraiser's comment": gettext("Appraiser's comment"),
            "Explanation": gettext("Explanation"),
            "Evidence": gettext("Evidence"),
            "explanation": gettext("explanation"),
            "Remove": gettext("Remove"),
            "No document yet.": gettext("No document yet."),
            "Add evidence": gettext("Add evidence"),
            "carried": gettext("Carried over from last year: check it, then confirm it or replace it."),
            "Confirm": gettext("Confirm"),
            "confirm carried": gettext("Confirm what was carried over from last year for this year."),
        }
        self.yes_no = gettext("yes,no")


def _csrf_input(token) -> str:
    """{% csrf_token %}."""
    if not token:
        return ""
    if token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def _carried(page, year, what) -> str:
    """assessment/_carried.html."""
    title = page.words["carried"]
    since = gettext("from %(year)s") % {"year": escape(localize(year))}
    return (
        f'<span class="badge text-bg-info" data-testid="carried-{what}" title="{title}">'
        f'<i class="bi bi-clock-history" aria-hidden="true"></i> {since}</span>\n'
    )


def evidence_block(page, criterion, score, items) -> str:
    """assessment/_evidence.html."""
    words = page.words
    required = ' <span class="text-danger">*</span>' if criterion.evidence_required else ""
    lines = []
    for item in items:
        document = item.document
        number = ""
        if document.number:
            issued = f", {escape(date(document.issued_on, 'SHORT_DATE_FORMAT'))}" if document.issued_on else ""
            issuer = f", {escape(document.issuer)}" if document.issuer else ""
            number = f'<span class="text-body-secondary">{escape(document.number)}{issued}{issuer}</span>'
        locator = f'<span class="badge text-bg-light">{escape(item.locator)}</span>' if item.locator else ""
        carried = _carried(page, item.from_year, "evidence") if item.from_year else ""
        round_badge = (
            f'<span class="badge text-bg-warning">{words["explanation"]}</span>' if item.round == EXPLANATION else ""
        )
        remove = ""
        if page.round and item.round == page.round:
            remove = (
                f'<button type="submit" form="remove-{item.pk}" class="btn btn-link btn-sm text-danger p-0" '
                f'data-evidence-remove="{page.remove(item.pk)}">{words["Remove"]}</button>'
            )
        lines.append(
            '\n                  <li class="d-flex flex-wrap align-items-center gap-2 mb-1">'
            '\n                    <i class="bi bi-paperclip" aria-hidden="true"></i>'
            f'\n                    <a href="{page.download(document.pk)}" download>'
            f"{escape(document.original_name)}</a>"
            f"\n                    {number}"
            f"\n                    {locator}"
            f"\n                    {carried}"
            f"\n                    {round_badge}"
            f"\n                    {remove}"
            "\n                  </li>\n                "
        )
    if not lines:
        lines.append(f'<li class="text-body-secondary">{words["No document yet."]}</li>')
    add = ""
    if page.round:
        add = (
            '\n                <button type="button" class="btn btn-outline-secondary btn-sm" data-bs-toggle="modal" '
            'data-bs-target="#evidence-modal"'
            f'\n                        data-action="{page.add(score.pk)}" '
            f'data-leaf="{escape(criterion.code)}. {escape(criterion.title)}">'
            f'\n                  <i class="bi bi-upload" aria-hidden="true"></i> {words["Add evidence"]}'
            "\n                </button>\n              "
        )
    return (
        f'<div class="mt-2" data-testid="evidence" id="evidence-{score.pk}">'
        f'\n              <div class="small fw-semibold mb-1">{words["Evidence"]}{required}</div>'
        '\n              <ul class="list-unstyled small mb-2">'
        f"\n                {''.join(lines)}"
        "\n              </ul>"
        f"\n              {add}"
        "\n            </div>\n"
    )


def _errors(errors, css) -> str:
    return "".join(f'<div class="{css}">{escape(error)}</div>' for error in errors)


def _self_inputs(page, criterion, score, form) -> str:
    """The self-assessment round's inputs of one leaf."""
    fields = form.fields
    declared = ""
    if "declared_value" in fields:
        declared = (
            f'\n                <div class="col-sm-4">{fast_field(form["declared_value"])}</div>'
            '\n                <div class="col-sm-3 mb-3">'
            f'\n                  <div class="form-text mb-1">{page.words["Proposed score"]}</div>'
            f'\n                  <div class="fw-semibold" id="proposal-{score.pk}" data-testid="proposal">—</div>'
            "\n                </div>\n                "
        )
    non_field = form.non_field_errors()
    non_field = (
        f'<div class="alert alert-danger py-1 small">{" ".join(escape(error) for error in non_field)}</div>'
        if non_field
        else ""
    )
    is_na = form["is_na"]
    if criterion.allows_na:
        na = (
            f'\n                <div class="form-check mb-2">{fast_widget(is_na)} <label class="form-check-label" '
            f'for="{escape(is_na.id_for_label)}">{escape(is_na.label)}</label>'
            f"\n                  {_errors(is_na.errors, 'invalid-feedback d-block')}"
            "\n                </div>"
            f"\n                <div data-na-reason>{fast_field(form['na_reason'])}</div>\n              "
        )
    else:
        na = f"\n                {_errors(is_na.errors, 'alert alert-danger py-1 small')}\n              "
    no_evidence = (
        f'<div class="col-md-6">{fast_field(form["no_evidence_reason"])}</div>'
        if "no_evidence_reason" in fields
        else ""
    )
    carried = _carried(page, score.note_from_year, "note") if score.note_from_year else ""
    return (
        f"\n              {fast_widget(form['version'])}{fast_widget(form['seen'])}"
        f"\n              {non_field}"
        '\n              <div class="row g-2 align-items-end">'
        f"\n                {declared}"
        f'\n                <div class="col-sm-3">{fast_field(form["self_points"])}</div>'
        "\n              </div>"
        f"\n              {na}"
        '\n              <div class="row g-2">'
        f"\n                {no_evidence}"
        f'\n                <div class="col-md-6">{fast_field(form["note"])}{carried}</div>'
        "\n              </div>\n            "
    )


def _self_values(page, criterion, score) -> str:
    """The unit's own answers, read only."""
    words = page.words
    if score.declared_value is None:
        declared = "—"
    elif criterion.rule == "yes_no":
        declared = escape(yesno(score.declared_value, page.yes_no))
    else:
        declared = floatformat(score.declared_value, "-2")
    if score.is_na:
        own = words["not applicable"]
    elif score.self_points is not None:
        own = floatformat(score.self_points, 2)
    else:
        own = "—"
    na = (
        f'<dt class="col-sm-3">{words["Why it does not apply"]}</dt><dd class="col-sm-9">{escape(score.na_reason)}</dd>'
        if score.is_na
        else ""
    )
    note = ""
    if score.note:
        carried = f" {_carried(page, score.note_from_year, 'note')}" if score.note_from_year else ""
        note = f'<dt class="col-sm-3">{words["Note"]}</dt><dd class="col-sm-9">{escape(score.note)}{carried}</dd>'
    return (
        '\n              <dl class="row small mb-2" data-testid="self-values">'
        f'\n                <dt class="col-sm-3">{words["Declared"]}</dt><dd class="col-sm-3">{declared}</dd>'
        f'\n                <dt class="col-sm-3">{words["Self score"]}</dt><dd class="col-sm-3">{own}</dd>'
        f"\n                {na}"
        f"\n                {note}"
        "\n              </dl>\n            "
    )


def _or_dash(value) -> str:
    """``value|default_if_none:"—"`` as a template writes it (localized)."""
    return "—" if value is None else escape(localize(value))


def _conflict(page, score, conflict) -> str:
    words = page.words
    na = f", {words['not applicable']}" if score.is_na else ""
    return (
        '\n              <div class="alert alert-warning py-1 small" data-testid="conflict">'
        f"\n                {escape(conflict.message)}"
        f"\n                <div>{words['Saved values:']} {words['declared']} {_or_dash(score.declared_value)}, "
        f"{words['self score']} {_or_dash(score.self_points)}{na}.</div>"
        "\n              </div>\n            "
    )


def _appraisal(page, score, form) -> str:
    words = page.words
    points = "—" if score.appraised_points is None else floatformat(score.appraised_points, 2)
    said = words["Appraiser's comment"]
    comment = (
        f"<div><strong>{said}:</strong> {escape(score.appraised_comment)}</div>" if score.appraised_comment else ""
    )
    if form and page.round == EXPLANATION:
        explanation = (
            f"\n                {fast_widget(form['version'])}{fast_widget(form['seen'])}"
            f"{fast_field(form['explanation'])}\n              "
        )
    elif score.explanation:
        explanation = (
            f'\n                <div class="small"><strong>{words["Explanation"]}:</strong> '
            f"{escape(score.explanation)}</div>\n              "
        )
    else:
        explanation = ""
    return (
        '\n              <div class="border-start border-3 border-warning ps-2 my-2 small" data-testid="appraisal">'
        f"\n                <strong>{words['Appraised score']}:</strong> {points}"
        f"\n                {comment}"
        f"\n              </div>\n              {explanation}\n            "
    )


def _carried_confirm(page, score) -> str:
    """The button confirming what was carried over from last year, with the line break the include ended with."""
    if not (score.note_from_year or score.carried_evidence):
        return "\n"
    words = page.words
    return (
        f'<div class="mt-2"><button type="submit" form="confirm-{score.pk}" class="btn btn-outline-primary btn-sm" '
        'data-testid="confirm-carried"><i class="bi bi-check2" aria-hidden="true"></i> '
        f'{words["Confirm"]}</button> <span class="small text-body-secondary">'
        f"{words['confirm carried']}</span></div>\n"
    )


def _method_line(page, criterion) -> str:
    if criterion.method == Method.APPRAISAL:
        summary = criterion.rule_summary
        line = escape(criterion.get_rule_display()) + (f": {escape(summary)}" if summary else "")
        if criterion.appraising_agency:
            line += " · " + gettext("appraised by %(agency)s") % {"agency": escape(criterion.appraising_agency)}
        return line + "\n              "
    if criterion.method == Method.SURVEY:
        return f'<i class="bi bi-people"></i> {page.words["Scored by survey: nothing to enter."]}\n              '
    return f'<i class="bi bi-award"></i> {page.words["bonus"]}'


def leaf_card(page, criterion) -> str:
    """One leaf's card, as the loop of assessment_detail.html wrote it."""
    score, form = criterion.score, getattr(criterion, "form", None)
    code, title = escape(criterion.code), escape(criterion.title)
    appraisal = criterion.method == Method.APPRAISAL
    guidance = (
        f'<details class="small mb-2"><summary>{page.words["Guidance"]}</summary>'
        f'<div class="mt-1">{linebreaksbr(criterion.guidance, autoescape=True)}</div></details>'
        if criterion.guidance
        else ""
    )
    earlier = getattr(criterion, "earlier", None)
    plan_items = ""
    if earlier is not None and earlier.plan_items:
        plan_items = get_template(PLAN_ITEMS).render({"earlier": earlier, "code": criterion.code})
    if form and page.round == SELF:
        inputs = _self_inputs(page, criterion, score, form)
    elif appraisal:
        inputs = _self_values(page, criterion, score)
    else:
        inputs = ""
    conflict = getattr(criterion, "conflict", None)
    conflict = _conflict(page, score, conflict) if conflict else ""
    shown = _appraisal(page, score, form) if page.show_appraisal and appraisal else ""
    evidence = ""
    if criterion.method != Method.SURVEY:
        evidence = evidence_block(page, criterion, score, score.evidence.all()) + "            "
    confirm = _carried_confirm(page, score) if page.round == SELF and score else ""
    border = " border-danger" if form and form.errors else ""
    return (
        f'<div class="card mb-3 shadow-sm leaf-card{border}" id="leaf-{code}" data-leaf="{code}" tabindex="-1">'
        '\n          <div class="card-body">'
        '\n            <div class="d-flex justify-content-between gap-2">'
        f'\n              <h4 class="h6 mb-1"><span class="text-danger">{code}</span> {title}</h4>'
        '\n              <span class="badge text-bg-light align-self-start text-nowrap">'
        f"{gettext('max %(points)s') % {'points': escape(compact(criterion.max_points))}}</span>"
        "\n            </div>"
        '\n            <div class="small text-body-secondary mb-2">'
        f"\n              {_method_line(page, criterion)}"
        "\n            </div>"
        f"\n            {guidance}"
        f"\n            {escape(criterion.earlier_html)}{plan_items}"
        f"\n\n            {inputs}"
        f"\n\n            {conflict}"
        f"\n\n            {shown}"
        f"\n\n            {evidence}"
        f"\n            {confirm}"
        "\n          </div>"
        "\n        </div>"
    )


def _row(page, criterion) -> str:
    if not criterion.method:
        heading = ""
        if criterion.depth > 0:
            heading = (
                f'<h3 class="h6 mt-4 mb-2 text-body-secondary">{escape(criterion.code)}. {escape(criterion.title)}</h3>'
            )
        return f"\n        \n          {heading}\n        \n      "
    return f"\n        \n        {leaf_card(page, criterion)}\n        \n      "


@register.simple_tag(takes_context=True)
def leaf_cards(context) -> str:
    """The section form's rows: a heading for each group below the field, a card for each leaf."""
    page = _Page(context)
    return mark_safe("".join(_row(page, criterion) for criterion in context["rows"]))  # noqa: S308 (escaped)


@register.simple_tag(takes_context=True)
def leaf_forms(context) -> str:
    """The hidden forms the cards' buttons submit: confirm what was carried (self round), remove a document."""
    page = _Page(context)
    rows = context["rows"]
    parts = []
    if page.round == SELF:
        for criterion in rows:
            if criterion.score:
                parts.append(
                    f'\n  <form method="post" action="{page.confirm(criterion.score.pk)}" '
                    f'id="confirm-{criterion.score.pk}" class="d-none">{page.csrf}</form>\n'
                )
    parts.append("\n")
    for criterion in rows:
        if criterion.score is None:
            continue
        for item in criterion.score.evidence.all():
            parts.append(
                f'\n  <form method="post" action="{page.remove(item.pk)}" id="remove-{item.pk}" '
                f'class="d-none">{page.csrf}</form>\n'
            )
    return mark_safe("".join(parts))  # noqa: S308 (escaped)
