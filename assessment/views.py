"""The unit portal: thin views that parse, ask the selectors, call a service and render."""

import functools
import hashlib
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessment.exceptions import AssessmentIncomplete, ConflictError, ScoreErrors
from assessment.exports import FORMATS, improvement_plan_xlsx
from assessment.files import CONTENT_TYPES, EvidenceFileError, check_upload
from assessment.forms import (
    SECTION_FORM_ID,
    DifficultiesForm,
    EvidenceForm,
    ExplanationForm,
    ScoreForm,
    SubmitForm,
)
from assessment.models import AssessmentStatus, Evidence, Method, Score
from assessment.policy import (
    EXPLANATION,
    SELF,
    is_head,
    may_write_difficulties,
    reads_standing,
    self_assessment_window,
    standing_refusal,
    writable_window,
)
from assessment.reports import self_assessment_pdf
from assessment.selectors.carry_over import carry_over_made, carry_over_offer, with_carry_over
from assessment.selectors.guidance import with_guidance
from assessment.selectors.insights import unit_accuracy
from assessment.selectors.portal import (
    assessment_overview,
    assessment_page,
    assessments_progress,
    field_leaves,
    unit_assessments,
    unit_documents,
)
from assessment.selectors.results import lost_points, unit_published_result
from assessment.selectors.standing import assessment_standing
from assessment.selectors.visibility import documents_visible_to, scores_visible_to
from assessment.services import (
    assessment_submit,
    assessment_submit_explanation,
    difficulties_save,
    evidence_attach,
    evidence_remove,
    evidence_upload,
    score_explain,
    score_save,
)
from assessment.services.carry_over import assessment_carry_over, score_confirm_carried
from assessment.services.self_assessment import proposal_for, score_problems, submission_problems
from assessment.signature_views import signature_context
from assessment.storage import stored_file_response


def _assessment(request, pk, *also):
    """The user's own unit's assessment, or 404: another unit's data does not exist for them. ``also``: what the page
    reads next about last year (with_carry_over, with_guidance), read in the same statement (issue 12)."""
    assessments = unit_assessments(request.user)
    for add in also:
        assessments = add(assessments)
    return get_object_or_404(assessments, pk=pk)


def assessment_list(request):
    """The unit's assessments with their deadline, progress and projected self-assessed index."""
    assessments = list(unit_assessments(request.user))
    progress = assessments_progress(a.pk for a in assessments)
    rows = []
    for assessment in assessments:
        round_, window = writable_window(assessment)
        rows.append(
            {"assessment": assessment, "progress": progress.get(assessment.pk), "round": round_, "window": window}
        )
    return render(request, "assessment/assessment_list.html", {"rows": rows})


def _field_forms(assessment, rows, round_, data=None):
    forms = {}
    for criterion in rows:
        score = criterion.score
        if score is None:
            continue
        if round_ == SELF and criterion.method == Method.APPRAISAL:
            forms[score.pk] = ScoreForm(data, score=score)
        elif round_ == EXPLANATION and criterion.method == Method.APPRAISAL:
            forms[score.pk] = ExplanationForm(data, score=score)
    return forms


EARLIER_TEMPLATE = "assessment/_earlier_years.html"
EARLIER_SECONDS = 24 * 3600


@functools.cache
def _earlier_template_digest() -> str:
    """The template's own text in the key: a new release's template is a new key."""
    return hashlib.sha256(get_template(EARLIER_TEMPLATE).template.source.encode()).hexdigest()[:16]


def _earlier_html(rows) -> None:
    """Each leaf's advice from earlier years (``row.earlier_html``), drawn once and kept in the cache keyed by
    what it shows (issue 12: drawing it was 40 % of the field page's template time; it is the same for every unit
    of the block): the code, the language and the guidance's own figures, comments and kinds, so a different
    guidance is a different key. One cache read for the page; the unit's own plan items are drawn apart."""
    language = get_language()
    keys = {}
    for row in rows:
        row.earlier_html = ""
        earlier = getattr(row, "earlier", None)
        if earlier is None or not earlier.shown:
            continue
        shown = (row.code, earlier.first_year, earlier.last_year, earlier.graded, earlier.lost, earlier.full)
        what = repr((shown, earlier.comments, earlier.more_comments, earlier.kinds))
        digest = hashlib.sha256(what.encode()).hexdigest()[:32]
        keys[f"earlier-html:{_earlier_template_digest()}:{language}:{digest}"] = row
    if not keys:
        return
    stored = cache.get_many(list(keys))
    drawn = {}
    for key, row in keys.items():
        html = stored.get(key)
        if html is None:
            html = drawn[key] = render_to_string(EARLIER_TEMPLATE, {"earlier": row.earlier, "code": row.code})
        row.earlier_html = mark_safe(html)  # noqa: S308 - our own template's rendering
    if drawn:
        cache.set_many(drawn, timeout=EARLIER_SECONDS)


def _render_detail(request, assessment, field_code, forms=None, conflicts=None, status=200):
    page = assessment_page(assessment, user=request.user, field_code=field_code)
    rows, round_ = page.rows, page.round
    _earlier_html(rows)
    if forms is None:
        forms = _field_forms(assessment, rows, round_)
    conflicting = {conflict.score_id: conflict for conflict in conflicts or []}
    for criterion in rows:
        criterion.form = forms.get(criterion.score.pk) if criterion.score else None
        criterion.conflict = conflicting.get(criterion.score.pk) if criterion.score else None
    context = {
        "assessment": assessment,
        "fields": page.fields,
        "field_code": page.field_code,
        "current": page.current,
        "rows": rows,
        "round": round_,
        "window": page.window,
        "conflicts": conflicts or [],
        "documents": page.documents,
        "section_form_id": SECTION_FORM_ID,
        "evidence_form": EvidenceForm(),
        "show_appraisal": page.show_appraisal,
        "is_head": page.is_head,
        "error_summary": _error_summary(rows) if status == 400 else [],
        "carry_over": carry_over_offer(request.user, assessment),
        "reads_standing": reads_standing(request.user, assessment),
    }
    return render(request, "assessment/assessment_detail.html", context, status=status)


def assessment_detail(request, pk):
    """One field of the assessment: its leaves with their inputs, evidence and (later) the appraisal."""
    assessment = _assessment(request, pk, with_carry_over, with_guidance)
    return _render_detail(request, assessment, request.GET.get("field"))


@require_POST
def section_save(request, pk, field):
    """Save the leaves of one field that the user changed; the others stay as they were."""
    assessment = _assessment(request, pk)
    round_, window = writable_window(assessment)
    if round_ is None:
        raise PermissionDenied(window.message)
    rows = field_leaves(assessment, field)
    if not rows:
        raise Http404
    forms = _field_forms(assessment, rows, round_, data=request.POST)
    valid = [form.is_valid() for form in forms.values()]  # every form, not up to the first invalid one
    if round_ == SELF:
        _add_rule_errors(forms)  # the service's rules on the same pass: every problem of the field at once
    if not all(valid) or any(form.errors for form in forms.values()):
        messages.error(request, _("Nothing was saved: correct the marked values."))
        return _render_detail(request, assessment, field, forms=forms, status=400)
    changed = [form for form in forms.values() if form.has_changed()]
    try:
        if round_ == SELF:
            saved = score_save(assessment=assessment, user=request.user, rows=[form.to_input() for form in changed])
        else:
            saved = score_explain(
                assessment=assessment,
                user=request.user,
                rows=[
                    (form.score.pk, form.cleaned_data["version"], form.cleaned_data["explanation"]) for form in changed
                ],
            )
    except ConflictError as conflict:
        forms = _field_forms(assessment, rows, round_, data=_rebased(request.POST, forms, conflict.conflicts))
        for form in forms.values():
            form.is_valid()
        messages.error(
            request,
            _(
                "Nothing was saved: someone else saved %(codes)s after you opened the page. "
                "Their values are shown below yours; check them and save again."
            )
            % {"codes": ", ".join(c.code for c in conflict.conflicts)},
        )
        return _render_detail(request, assessment, field, forms=forms, conflicts=conflict.conflicts, status=409)
    except ScoreErrors as errors:
        for score_id, fields in errors.by_score.items():
            for name, problems in fields.items():
                for problem in problems:
                    forms[score_id].add_error(name if name in forms[score_id].fields else None, problem)
        messages.error(request, _("Nothing was saved: correct the marked values."))
        return _render_detail(request, assessment, field, forms=forms, status=400)
    messages.success(request, _("%(count)s criteria saved.") % {"count": saved} if saved else _("No change to save."))
    return redirect(f"{reverse('assessment:assessment-detail', args=[assessment.pk])}?field={field}")


def _add_rule_errors(forms):
    """The service's rules (score_problems) on every leaf changed or refused by parsing, beside its fields."""
    for form in forms.values():
        if not isinstance(form, ScoreForm) or not (form.errors or form.has_changed()):
            continue
        for name, problems in score_problems(form.score, form.to_input(partial=True)).items():
            if name in form.errors:
                continue  # parsing already said what is wrong with this value
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)


def _error_summary(rows):
    """Each leaf with errors, its code, title and messages (each named by its field), for the list at the top."""
    summary = []
    for criterion in rows:
        form = getattr(criterion, "form", None)
        if form is None or not form.errors:
            continue
        texts = []
        for name, errors in form.errors.items():
            label = str(form.fields[name].label) if name in form.fields else ""
            for error in errors:
                # Named by its field, unless the message names it already.
                texts.append(f"{label}: {error}" if label and label.lower() not in error.lower() else error)
        summary.append({"code": criterion.code, "title": criterion.title, "messages": texts})
    return summary


def _rebased(data, forms, conflicts):
    """The posted data, each conflicting leaf moved onto what is saved now: saving again is deliberate."""
    data = data.copy()
    for conflict in conflicts:
        score = Score.objects.select_related("criterion").get(pk=conflict.score_id)
        fresh = type(forms[conflict.score_id])(score=score)
        data[fresh.add_prefix("version")] = str(score.version)
        data[fresh.add_prefix("seen")] = fresh.initial["seen"]
    return data


@require_GET
def score_proposal(request, pk, score_id):
    """The rule's proposed score for a declared value, computed by the server (the page only shows it)."""
    assessment = _assessment(request, pk)
    score = get_object_or_404(
        scores_visible_to(request.user).select_related("criterion"), pk=score_id, assessment=assessment
    )
    raw = request.GET.get("declared_value", "").strip().replace(",", ".")
    if raw == "":
        return JsonResponse({"proposal": None, "value": None, "error": ""})
    try:
        declared = Decimal(raw)
    except InvalidOperation:
        return JsonResponse({"proposal": None, "value": None, "error": _("Enter a number.")})
    from assessment.services import ScoreInput

    problems = score_problems(score, ScoreInput(score_id=score.pk, version=0, declared_value=declared))
    if "declared_value" in problems:
        return JsonResponse({"proposal": None, "value": None, "error": problems["declared_value"][0]})
    proposal = proposal_for(score, declared)
    return JsonResponse(
        {
            "proposal": None if proposal is None else number_format(proposal, 2),
            "value": None if proposal is None else str(proposal),
            "error": "",
        }
    )


def _wants_json(request) -> bool:
    """The page's script asks for JSON (fetch); a plain form post (no script) gets the redirect."""
    return "application/json" in request.headers.get("Accept", "")


def _evidence_fragment(request, assessment, score) -> str:
    """The evidence block of one leaf, as the page shows it, to replace it in place."""
    round_, _window = writable_window(assessment)
    context = {
        "assessment": assessment,
        "criterion": score.criterion,
        "score": score,
        "items": score.evidence.select_related("document").order_by("pk"),
        "round": round_,
    }
    return render_to_string("assessment/_evidence.html", context, request=request)


def _evidence_error(request, score, back, errors: dict[str, list[str]]):
    """Refused: in the dialog (JSON, each message under its input), or as messages on the page without script."""
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    for problems in errors.values():
        for problem in problems:
            messages.error(
                request, _("Criterion %(code)s: %(message)s") % {"code": score.criterion.code, "message": problem}
            )
    return redirect(back + f"#leaf-{score.criterion.code}")


@require_POST
def evidence_add(request, pk, score_id):
    """Upload one or more files for a leaf, or attach a document the unit already has."""
    assessment = _assessment(request, pk)
    score = get_object_or_404(
        Score.objects.select_related("criterion", "assessment__unit"), pk=score_id, assessment=assessment
    )
    back = f"{reverse('assessment:assessment-detail', args=[assessment.pk])}?field={score.criterion.field_code}"
    form = EvidenceForm(request.POST)
    files = request.FILES.getlist("files")
    if not form.is_valid():
        return _evidence_error(request, score, back, {name: list(errors) for name, errors in form.errors.items()})
    data = form.cleaned_data
    target = "document" if data.get("document") else "files"
    try:
        if data.get("document"):
            document = get_object_or_404(unit_documents(assessment.unit_id), pk=data["document"])
            evidence_attach(score=score, user=request.user, document=document, locator=data["locator"])
            added = 1
        elif files:
            for upload in files:
                check_upload(upload)  # every file is checked before any is stored
            with transaction.atomic():
                for upload in files:
                    evidence_upload(
                        score=score,
                        user=request.user,
                        upload=upload,
                        number=data["number"],
                        issued_on=data["issued_on"],
                        issuer=data["issuer"],
                        locator=data["locator"],
                    )
            added = len(files)
        else:
            raise ValidationError(_("Choose a file to upload or a document to attach."))
    except (EvidenceFileError, ValidationError) as error:
        return _evidence_error(request, score, back, {target: list(getattr(error, "messages", [str(error)]))})
    message = _("Criterion %(code)s: %(count)s document(s) attached.") % {
        "code": score.criterion.code,
        "count": added,
    }
    if _wants_json(request):
        return _evidence_json(request, assessment, score, message)
    messages.success(request, message)
    return redirect(back + f"#leaf-{score.criterion.code}")


def _evidence_json(request, assessment, score, message):
    return JsonResponse(
        {
            "ok": True,
            "message": message,
            "target": f"evidence-{score.pk}",
            "html": _evidence_fragment(request, assessment, score),
        }
    )


@require_POST
def evidence_delete(request, pk, evidence_id):
    assessment = _assessment(request, pk)
    evidence = get_object_or_404(
        Evidence.objects.select_related("score__criterion", "score__assessment__unit", "document"),
        pk=evidence_id,
        score__assessment=assessment,
    )
    score = evidence.score
    code, field_code = score.criterion.code, score.criterion.field_code
    evidence_remove(evidence=evidence, user=request.user)
    message = _("Criterion %(code)s: “%(name)s” removed.") % {"code": code, "name": evidence.document}
    if _wants_json(request):
        return _evidence_json(request, assessment, score, message)
    messages.success(request, message)
    return redirect(f"{reverse('assessment:assessment-detail', args=[assessment.pk])}?field={field_code}#leaf-{code}")


def _field_totals(points):
    """Self totals per field (applicable appraisal leaves): points, maximum, share."""
    from assessment import scoring

    result = {}
    for code, (total, maximum) in points.items():
        index = scoring.index_percent(total, maximum)
        result[code] = (total, maximum, None if index is None else scoring.shown(index))
    return result


def _render_summary(request, assessment, submit_form=None, problems=None, status=200):
    overview = assessment_overview(assessment)  # issue 12: the fields, their points, the progress, what is missing
    totals = _field_totals(overview.points)
    round_, window = writable_window(assessment)
    context = {
        "assessment": assessment,
        "fields": [(field, totals.get(field.code)) for field in overview.fields],
        "progress": overview.progress,
        "missing": overview.missing if assessment.status == AssessmentStatus.DRAFT else [],
        "round": round_,
        "window": window,
        "is_head": is_head(request.user, assessment),
        "submit_form": submit_form or SubmitForm(),
        "submit_problems": problems or [],
        "reads_standing": reads_standing(request.user, assessment),
        "carry_over": carry_over_offer(request.user, assessment),
    }
    context.update(signature_context(request.user, assessment))  # issue 15: the digitally signed report
    return render(request, "assessment/assessment_summary.html", context, status=status)


def assessment_summary(request, pk):
    """Before submitting: self totals per field, the projected index, what is still missing, the report to sign."""
    return _render_summary(request, _assessment(request, pk, with_carry_over))


@require_POST
def assessment_submit_view(request, pk):
    """Submit, or show every reason it cannot be submitted yet, each where it belongs and together at the top."""
    assessment = _assessment(request, pk)
    if not is_head(request.user, assessment):
        raise PermissionDenied(_("Only the head of the unit submits the self-assessment."))
    round_, window = writable_window(assessment)
    if round_ != SELF:
        raise PermissionDenied(window.message)
    form = SubmitForm(request.POST, request.FILES)
    form.is_valid()
    scan = form.cleaned_data.get("signed_report")
    missing, scan_problems = submission_problems(assessment=assessment, signed_scan=scan)
    if form.is_valid() and not missing and not scan_problems:
        try:
            assessment_submit(assessment=assessment, user=request.user, signed_scan=scan)
        except AssessmentIncomplete as error:  # something changed since the check above
            missing, scan_problems = error.items, error.scan_problems
        else:
            messages.success(request, _("The self-assessment of %(unit)s was submitted.") % {"unit": assessment.unit})
            return redirect("assessment:assessment-summary", assessment.pk)
    for problem in scan_problems:  # the form already says "upload it" when nothing was chosen
        if problem not in form.errors.get("signed_report", []):
            form.add_error("signed_report", problem)
    detail = reverse("assessment:assessment-detail", args=[assessment.pk])
    problems = (
        [{"text": str(item), "href": f"{detail}?field={item.field_code}#leaf-{item.code}"} for item in missing]
        + [
            {  # a refused file is named as the signed report's; "upload it" needs no name
                "text": _("Signed report: %(problem)s") % {"problem": error} if scan is not None else error,
                "href": f"#{form['signed_report'].id_for_label}",
            }
            for error in form.errors.get("signed_report", [])
        ]
        + [{"text": error, "href": f"#{form['confirm'].id_for_label}"} for error in form.errors.get("confirm", [])]
    )
    messages.error(request, _("The self-assessment cannot be submitted yet: complete everything listed below."))
    return _render_summary(request, assessment, submit_form=form, problems=problems, status=400)


@require_POST
def explanation_submit_view(request, pk):
    assessment = _assessment(request, pk)
    assessment_submit_explanation(assessment=assessment, user=request.user)
    messages.success(request, _("The explanation of %(unit)s was submitted.") % {"unit": assessment.unit})
    return redirect("assessment:assessment-summary", assessment.pk)


def assessment_difficulties(request, pk):
    """The unit's "difficulties, obstacles and recommendations" (a section of the report), written while the
    self-assessment is writable; read-only afterwards."""
    assessment = _assessment(request, pk)
    writable = may_write_difficulties(request.user, assessment)
    form = DifficultiesForm(initial={"difficulties": assessment.difficulties, "seen": assessment.difficulties})
    status = 200
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(self_assessment_window(assessment).message)
        form = DifficultiesForm(request.POST)
        if form.is_valid():
            try:
                changed = difficulties_save(
                    assessment=assessment,
                    user=request.user,
                    text=form.cleaned_data["difficulties"],
                    seen=form.cleaned_data["seen"],
                )
            except ValidationError as error:
                assessment.refresh_from_db(fields=["difficulties"])
                form = DifficultiesForm(
                    initial={"difficulties": assessment.difficulties, "seen": assessment.difficulties}
                )
                for message in error.messages:
                    messages.error(request, message)
                status = 409
            else:
                if changed:
                    messages.success(request, _("The difficulties, obstacles and recommendations were saved."))
                return redirect("assessment:assessment-summary", assessment.pk)
        else:
            status = 400
    context = {
        "assessment": assessment,
        "form": form,
        "writable": writable,
        "window": self_assessment_window(assessment),
    }
    return render(request, "assessment/assessment_difficulties.html", context, status=status)


def assessment_report(request, pk):
    """The self-assessment report to sign, as a PDF."""
    assessment = _assessment(request, pk)
    response = HttpResponse(self_assessment_pdf(assessment), content_type="application/pdf")
    name = f"tu-danh-gia-{slugify(assessment.unit.code)}-{assessment.period.year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _published(request, pk):
    """The unit's own assessment and its published result; 404 until the period is published."""
    assessment = _assessment(request, pk)
    result = unit_published_result(assessment)
    if result is None:
        raise Http404
    return assessment, result


def assessment_results(request, pk):
    """After publication: the unit's published result, its fields, and the criteria where it lost points."""
    assessment, result = _published(request, pk)
    block_averages = {item.code: item.average for item in result.block.fields.all()}
    return render(
        request,
        "assessment/assessment_results.html",
        {
            "assessment": assessment,
            "result": result,
            "fields": [(item, block_averages.get(item.code)) for item in result.fields.all()],
            "lost": lost_points(assessment),
            **_own_accuracy(assessment),
        },
    )


def _own_accuracy(assessment) -> dict:
    """The unit's own self-assessment accuracy: this year by field, and every year (its trend)."""
    years, fields = unit_accuracy(assessment.unit_id)
    year = assessment.period.year
    return {
        "accuracy_years": years,
        "accuracy_fields": [row for row in fields if row.year == year],
    }


def improvement_plan(request, pk):
    """The improvement-plan worksheet: the criteria where the unit lost points, with columns to plan the fixes."""
    assessment, result = _published(request, pk)
    content = improvement_plan_xlsx(assessment, result, lost_points(assessment))
    response = HttpResponse(content, content_type=FORMATS["xlsx"])
    name = f"ke-hoach-khac-phuc-{slugify(assessment.unit.code)}-{assessment.period.year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def document_download(request, pk):
    """A private evidence file, for the people allowed to see its unit's data, always as an attachment."""
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    return stored_file_response(
        request,
        document.file.storage,
        document.file.name,
        filename=document.original_name,
        content_type=CONTENT_TYPES[document.kind],
    )


# -- where a unit stands; start from last year (issue 13) ----------------------------------------------------


def assessment_standing_view(request, pk):
    """Once the appraisal is returned: per field and per leaf, the self score against round 1 (and round 2 once it
    is closed), with the appraisers' comments."""
    assessment = _assessment(request, pk)
    refusal = standing_refusal(request.user, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    return render(
        request,
        "assessment/assessment_standing.html",
        {"assessment": assessment, "standing": assessment_standing(assessment)},
    )


@require_POST
def carry_over_view(request, pk):
    """Carry last year's notes and evidence links into the leaves that continue under the same code."""
    assessment = _assessment(request, pk)
    done_before = carry_over_made(assessment) is not None
    try:
        record = assessment_carry_over(assessment=assessment, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if done_before:
            messages.info(request, _("Last year's notes and evidence were already carried over."))
        else:
            messages.success(
                request,
                _(
                    "Carried over from %(year)s into %(criteria)s criteria: %(notes)s notes and %(evidence)s "
                    "evidence links. Check each one and confirm it or replace it."
                )
                % {
                    "year": record.from_year,
                    "criteria": record.criteria,
                    "notes": record.notes,
                    "evidence": record.evidence,
                },
            )
    return redirect("assessment:assessment-detail", assessment.pk)


@require_POST
def carried_confirm_view(request, pk, score_id):
    """The unit confirms what was carried over into one leaf."""
    assessment = _assessment(request, pk)
    score = get_object_or_404(Score.objects.select_related("criterion"), pk=score_id, assessment=assessment)
    score_confirm_carried(score=score, actor=request.user)
    messages.success(request, _("Criterion %(code)s: confirmed for this year.") % {"code": score.criterion.code})
    detail = reverse("assessment:assessment-detail", args=[assessment.pk])
    return redirect(f"{detail}?field={score.criterion.field_code}#leaf-{score.criterion.code}")
