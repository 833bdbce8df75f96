"""Every governance write leaves exactly one row in the governance log, with its actor and what changed;
a refused one leaves none and changes nothing. Home Affairs reads the log in the admin."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import GovernanceAction, GovernanceEvent
from assessment.models import Adjustment, Assessment, Criterion, Framework, Period
from assessment.services import framework_activate
from assessment.services.frameworks import criterion_save, period_open
from tests.assessment.conftest import SAMPLE, sample_rows, to_csv
from tests.assessment.test_admin_frameworks import PROCESS_URL, period_form, post_import
from tests.assessment.test_results_inputs import adjustment_form

CHANGELIST = reverse("admin:assessment_framework_changelist")
LOG_URL = reverse("admin:accounts_governanceevent_changelist")


def last_id() -> int:
    return GovernanceEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(first: int) -> list[tuple]:
    return list(
        GovernanceEvent.objects.filter(id__gt=first)
        .order_by("id")
        .values_list("actor__username", "action", "label", "changes")
    )


def leaf_form(client, criterion, **changes):
    form = client.get(reverse("admin:assessment_criterion_change", args=[criterion.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(framework=criterion.framework_id, rule_params=form["rule_params"].value(), **changes)
    return data


# -- frameworks -------------------------------------------------------------------------------------------------


def test_each_framework_action_in_the_admin_logs_one_row(client, coordinator, sample_framework):
    client.force_login(coordinator)
    label = str(sample_framework)
    for action, state in [("activate", "active"), ("back_to_draft", "draft"), ("archive", "archived")]:
        before, old = last_id(), Framework.objects.get(pk=sample_framework.pk).state
        client.post(CHANGELIST, {"action": action, "_selected_action": [sample_framework.pk]})
        assert Framework.objects.get(pk=sample_framework.pk).state == state
        assert events_since(before) == [("noivu", f"framework_{action}", label, {"state": [old, state]})]

    before = last_id()
    client.post(CHANGELIST, {"action": "copy_as_new_version", "_selected_action": [sample_framework.pk]})
    copy = Framework.objects.get(copied_from=sample_framework)
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.FRAMEWORK_COPY,
            str(copy),
            {"copied_from": [sample_framework.pk, label], "version": 2, "criteria": 54},
        )
    ]
    event = GovernanceEvent.objects.get(action=GovernanceAction.FRAMEWORK_COPY)
    assert (event.content_type.model, event.object_id) == ("framework", copy.pk)


def test_a_refused_activation_logs_nothing(client, coordinator, sample_framework):
    Criterion.objects.filter(framework=sample_framework, code="1.4").update(rule="")
    client.force_login(coordinator)
    before = last_id()
    client.post(CHANGELIST, {"action": "activate", "_selected_action": [sample_framework.pk]})
    assert Framework.objects.get(pk=sample_framework.pk).state == "draft"
    assert events_since(before) == []


def test_an_appraiser_cannot_activate_and_nothing_is_logged(client, appraiser, sample_framework):
    client.force_login(appraiser)
    before = last_id()
    client.post(CHANGELIST, {"action": "activate", "_selected_action": [sample_framework.pk]})
    assert Framework.objects.get(pk=sample_framework.pk).state == "draft"
    assert events_since(before) == []


# -- criteria ---------------------------------------------------------------------------------------------------


def test_editing_a_criterion_logs_old_and_new_of_each_changed_field(client, coordinator, sample_framework):
    criterion = Criterion.objects.get(framework=sample_framework, code="1.4")
    old_guidance = criterion.guidance
    assert old_guidance
    client.force_login(coordinator)
    before = last_id()
    data = leaf_form(client, criterion, title="Tuyên truyền CCHC", guidance="Có kế hoạch tuyên truyền")
    response = client.post(reverse("admin:assessment_criterion_change", args=[criterion.pk]), data)
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.CRITERION_CHANGE,
            str(criterion),
            {
                "title": ["Công tác tuyên truyền CCHC", "Tuyên truyền CCHC"],
                "guidance": [old_guidance, "Có kế hoạch tuyên truyền"],
            },
        )
    ]


def test_adding_a_criterion_logs_every_field(client, coordinator, draft_framework, agencies):
    client.force_login(coordinator)
    before = last_id()
    response = client.post(
        reverse("admin:assessment_criterion_add"),
        {
            "framework": draft_framework.pk,
            "code": "1",
            "title": "Chỉ đạo, điều hành",
            "max_points": "2",
            "method": "appraisal",
            "rule": "manual",
            "rule_params": "{}",
            "appraising_agency": agencies["so-noi-vu"].pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    criterion = Criterion.objects.get(framework=draft_framework, code="1")
    assert criterion.order == 1
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.CRITERION_ADD,
            str(criterion),
            {
                "code": [None, "1"],
                "title": [None, "Chỉ đạo, điều hành"],
                "max_points": [None, "2.00"],
                "method": [None, "appraisal"],
                "rule": [None, "manual"],
                "rule_params": [None, {}],
                "allows_na": [None, False],
                "evidence_required": [None, False],
                "appraising_agency": [None, str(agencies["so-noi-vu"])],
                "guidance": [None, ""],
            },
        )
    ]


def test_a_criterion_of_an_active_framework_is_refused_and_nothing_is_logged(client, coordinator, sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    criterion = Criterion.objects.get(framework=sample_framework, code="1.4")
    client.force_login(coordinator)
    before = last_id()
    data = {
        "framework": sample_framework.pk,
        "code": "1.4",
        "title": "Đổi",
        "max_points": "1",
        "method": "appraisal",
        "rule": "yes_no",
        "rule_params": "{}",
    }
    assert client.post(reverse("admin:assessment_criterion_change", args=[criterion.pk]), data).status_code == 403
    criterion.title = "Đổi"
    with pytest.raises(Exception) as error:
        criterion_save(criterion=criterion, actor=coordinator)
    assert error.value.messages == ["Chỉ sửa được bộ chỉ số nháp; muốn sửa, hãy sao chép thành phiên bản mới."]
    assert Criterion.objects.get(pk=criterion.pk).title == "Công tác tuyên truyền CCHC"
    assert events_since(before) == []


def test_the_first_import_is_logged_with_every_code_added(sample_framework):
    event = GovernanceEvent.objects.get(action=GovernanceAction.CRITERIA_REPLACE)
    codes = sorted(row[0] for row in sample_rows()[1:])
    assert (event.actor, event.label, event.object_id) == (None, str(sample_framework), sample_framework.pk)
    assert event.changes == {
        "added": 54,
        "removed": 0,
        "changed": 0,
        "added_codes": codes,
        "removed_codes": [],
        "changed_codes": [],
    }


def test_a_tree_reimport_in_the_admin_logs_added_removed_and_changed_criteria(client, coordinator, sample_framework):
    rows = sample_rows()
    header, body = rows[0], rows[1:]
    by_code = {row[0]: row for row in body}
    replacement = []
    for row in body:
        if row[0] == "1.3.2":
            replacement.append(["1.3.3", "Khắc phục sau kiểm tra", *row[2:]])
        elif row[0] == "1.4":
            replacement.append([row[0], "Tuyên truyền, phổ biến CCHC", *row[2:]])
        else:
            replacement.append(row)
    assert by_code["1.3.2"][2] == "1"
    client.force_login(coordinator)
    before = last_id()
    preview = post_import(client, sample_framework, to_csv([header, *replacement]))
    assert preview.status_code == 200
    assert events_since(before) == []  # the preview is rolled back, its log row too
    response = client.post(PROCESS_URL, {**preview.context["confirm_form"].initial, "resource": "0"})
    assert response.status_code == 302
    assert set(Criterion.objects.filter(framework=sample_framework).values_list("code", flat=True)) == {
        row[0] for row in replacement
    }
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.CRITERIA_REPLACE,
            str(sample_framework),
            {
                "added": 1,
                "removed": 1,
                "changed": 1,
                "added_codes": ["1.3.3"],
                "removed_codes": ["1.3.2"],
                "changed_codes": ["1.4"],
            },
        )
    ]


def test_an_import_into_an_active_framework_changes_and_logs_nothing(client, coordinator, sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    before = last_id()
    response = post_import(client, sample_framework, SAMPLE.read_bytes())
    assert response.status_code == 200
    assert Criterion.objects.filter(framework=sample_framework).count() == 54
    assert events_since(before) == []


# -- periods ----------------------------------------------------------------------------------------------------


def test_period_creation_calendar_change_and_opening_are_logged(client, coordinator, sample_framework, agencies):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    before = last_id()
    response = client.post(reverse("admin:assessment_period_add"), period_form(sample_framework))
    assert response.status_code == 302
    period = Period.objects.get(year=2024)
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.PERIOD_ADD,
            str(period),
            {
                "year": [None, 2024],
                "name": [None, "Chỉ số CCHC năm 2024"],
                "self_assessment_opens": [None, "2025-01-05"],
                "self_assessment_closes": [None, "2025-01-31"],
                "appraisal_closes": [None, "2025-02-28"],
                "explanation_opens": [None, "2025-03-01"],
                "explanation_closes": [None, "2025-03-10"],
                "council_date": [None, "2025-03-20"],
                "publication_date": [None, "2025-04-01"],
                "blocks": {sample_framework.block.name: [None, str(sample_framework)]},
            },
        )
    ]

    before = last_id()
    data = period_form(sample_framework, council_date="25/03/2025")
    data.update(
        {
            "blocks-INITIAL_FORMS": "1",
            "blocks-0-id": period.blocks.get().pk,
            "blocks-0-period": period.pk,
        }
    )
    response = client.post(reverse("admin:assessment_period_change", args=[period.pk]), data)
    assert response.status_code == 302
    assert events_since(before) == [
        ("noivu", GovernanceAction.PERIOD_CHANGE, str(period), {"council_date": ["2025-03-20", "2025-03-25"]})
    ]

    before = last_id()
    client.post(
        reverse("admin:assessment_period_changelist"), {"action": "open_period", "_selected_action": [period.pk]}
    )
    assert Assessment.objects.filter(period=period).count() == 6
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.PERIOD_OPEN,
            str(period),
            {"assessments_created": 6, "scores_created": 258, "assessments_total": 6},
        )
    ]


def test_blocks_removed_before_opening_are_logged_and_refused_once_open(
    client, coordinator, sample_framework, agencies
):
    from django.core.exceptions import ValidationError

    from assessment.services.frameworks import period_save

    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    client.post(reverse("admin:assessment_period_add"), period_form(sample_framework))
    period = Period.objects.get(year=2024)
    row = period.blocks.get()
    before = last_id()
    data = period_form(sample_framework)
    data.update(
        {"blocks-INITIAL_FORMS": "1", "blocks-0-id": row.pk, "blocks-0-period": period.pk, "blocks-0-DELETE": "on"}
    )
    assert client.post(reverse("admin:assessment_period_change", args=[period.pk]), data).status_code == 302
    assert not period.blocks.exists()
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.PERIOD_CHANGE,
            str(period),
            {"blocks": {sample_framework.block.name: [str(sample_framework), None]}},
        )
    ]

    period = period_save(period=period, blocks=[(row.block_id, sample_framework.pk)], actor=coordinator)
    period_open(period=period, actor=coordinator)
    before = last_id()
    with pytest.raises(ValidationError) as error:
        period_save(period=Period.objects.get(pk=period.pk), blocks=[], actor=coordinator)
    assert error.value.messages == ["Kỳ đánh giá đã mở: không thể thay đổi các khối và bộ chỉ số của kỳ nữa."]
    assert (period.blocks.count(), events_since(before)) == (1, [])


def test_framework_creation_edit_and_deletion_in_the_admin_are_logged(client, coordinator, departments):
    client.force_login(coordinator)
    before = last_id()
    response = client.post(
        reverse("admin:assessment_framework_add"),
        {"block": departments.pk, "name": "Bộ chỉ số 2026", "decision_number": "1/QĐ-UBND", "first_year": 2026},
    )
    assert response.status_code == 302
    framework = Framework.objects.get(name="Bộ chỉ số 2026")
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.FRAMEWORK_ADD,
            str(framework),
            {
                "block": [None, departments.name],
                "name": [None, "Bộ chỉ số 2026"],
                "decision_number": [None, "1/QĐ-UBND"],
                "decision_date": [None, None],
                "first_year": [None, 2026],
                "last_year": [None, None],
            },
        )
    ]

    before = last_id()
    response = client.post(
        reverse("admin:assessment_framework_change", args=[framework.pk]),
        {"block": departments.pk, "name": "Bộ chỉ số 2026", "decision_number": "2/QĐ-UBND", "first_year": 2026},
    )
    assert response.status_code == 302
    assert events_since(before) == [
        ("noivu", GovernanceAction.FRAMEWORK_CHANGE, str(framework), {"decision_number": ["1/QĐ-UBND", "2/QĐ-UBND"]})
    ]

    before = last_id()
    response = client.post(reverse("admin:assessment_framework_delete", args=[framework.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Framework.objects.filter(pk=framework.pk).exists()
    [(actor, action, label, changes)] = events_since(before)
    assert (actor, action, label, changes["name"], changes["criteria"]) == (
        "noivu",
        GovernanceAction.FRAMEWORK_DELETE,
        str(framework),
        ["Bộ chỉ số 2026", None],
        0,
    )


def test_a_refused_calendar_change_logs_nothing(client, coordinator, sample_framework, agencies):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    client.post(reverse("admin:assessment_period_add"), period_form(sample_framework))
    period = Period.objects.get(year=2024)
    before = last_id()
    data = period_form(sample_framework, council_date="05/03/2025")
    data.update({"blocks-INITIAL_FORMS": "1", "blocks-0-id": period.blocks.get().pk, "blocks-0-period": period.pk})
    response = client.post(reverse("admin:assessment_period_change", args=[period.pk]), data)
    assert response.status_code == 200
    assert str(Period.objects.get(pk=period.pk).council_date) == "2025-03-20"
    assert events_since(before) == []


def test_opening_a_period_for_one_unit_names_it(sample_framework, coordinator, departments, finance):
    from assessment.models import PeriodBlock
    from tests.assessment.test_services_framework import make_period

    framework_activate(framework=sample_framework, actor=None)
    period = make_period(2024)
    PeriodBlock.objects.create(period=period, block=departments, framework=sample_framework)
    before = last_id()
    period_open(period=period, units=[finance], actor=coordinator)
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.PERIOD_OPEN,
            str(period),
            {"assessments_created": 1, "scores_created": 43, "assessments_total": 1, "units": ["Sở Tài chính"]},
        )
    ]


# -- bonus and penalty ------------------------------------------------------------------------------------------


def test_a_bonus_entry_in_the_admin_is_logged_and_a_refused_one_is_not(client, graded_period, coordinator):
    client.force_login(coordinator)
    y_te = Assessment.objects.get(unit__code="so-y-te")
    url = reverse("admin:assessment_adjustment_add")
    before, entries = last_id(), Adjustment.objects.count()
    assert client.post(url, adjustment_form(y_te, "9.1", "2,5")).status_code == 200  # over the maximum
    assert (events_since(before), Adjustment.objects.count()) == ([], entries)

    response = client.post(url, adjustment_form(y_te, "9.1", "0,5", reason="Sáng kiến cấp thành phố"))
    assert response.status_code == 302
    entry = Adjustment.objects.get(reason="Sáng kiến cấp thành phố")
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.ADJUSTMENT_ADD,
            str(entry),
            {
                "assessment": [None, str(y_te)],
                "criterion": [None, str(entry.criterion)],
                "points": [None, "0.50"],
                "reason": [None, "Sáng kiến cấp thành phố"],
                "decision_reference": [None, "15/QĐ-UBND"],
            },
        )
    ]
    assert (entry.created_by, entry.history.first().history_user) == (coordinator, coordinator)

    before = last_id()
    data = adjustment_form(y_te, "9.1", "1,25", reason="Sáng kiến cấp thành phố")
    response = client.post(reverse("admin:assessment_adjustment_change", args=[entry.pk]), data)
    assert response.status_code == 302
    assert events_since(before) == [
        (
            "noivu",
            GovernanceAction.ADJUSTMENT_CHANGE,
            str(Adjustment.objects.get(pk=entry.pk)),
            {"points": ["0.50", "1.25"]},
        )
    ]

    before = last_id()
    response = client.post(reverse("admin:assessment_adjustment_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Adjustment.objects.filter(pk=entry.pk).exists()
    [(actor, action, _label, changes)] = events_since(before)
    assert (actor, action, changes["points"]) == ("noivu", GovernanceAction.ADJUSTMENT_DELETE, ["1.25", None])


def test_a_council_member_cannot_enter_a_bonus(client, graded_period, council_member):
    client.force_login(council_member)
    y_te = Assessment.objects.get(unit__code="so-y-te")
    before, entries = last_id(), Adjustment.objects.count()
    response = client.post(reverse("admin:assessment_adjustment_add"), adjustment_form(y_te, "9.1", "0,5"))
    assert response.status_code == 403
    assert (events_since(before), Adjustment.objects.count()) == ([], entries)


# -- the log in the admin ---------------------------------------------------------------------------------------


def make_events(actor, framework, count):
    GovernanceEvent.objects.all().delete()
    from accounts.audit import governance_event_record

    for number in range(count):
        governance_event_record(
            actor=actor, action=GovernanceAction.FRAMEWORK_ACTIVATE, obj=framework, changes={"n": number}
        )


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_home_affairs_reads_the_log_and_cannot_change_it(client, request, who, coordinator, sample_framework):
    make_events(coordinator, sample_framework, 3)
    client.force_login(request.getfixturevalue(who))
    response = client.get(LOG_URL)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    page = response.content.decode()
    assert "Nhật ký quản trị" in page and "Kích hoạt bộ chỉ số" in page and "Trần Thị Hương" in page
    event = GovernanceEvent.objects.first()
    assert client.get(reverse("admin:accounts_governanceevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_governanceevent_add")).status_code == 403
    response = client.post(reverse("admin:accounts_governanceevent_delete", args=[event.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert GovernanceEvent.objects.count() == 3


def test_the_log_filters_by_action_and_searches_the_label(client, coordinator, sample_framework):
    make_events(coordinator, sample_framework, 2)
    from accounts.audit import governance_event_record

    governance_event_record(
        actor=None, action=GovernanceAction.PERIOD_OPEN, obj=sample_framework, label="Chỉ số CCHC năm 2030"
    )
    client.force_login(coordinator)
    assert client.get(LOG_URL, {"action__exact": "period_open"}).context["cl"].result_count == 1
    assert client.get(LOG_URL, {"q": "năm 2030"}).context["cl"].result_count == 1
    assert client.get(LOG_URL, {"actor__id__exact": coordinator.pk}).context["cl"].result_count == 2


@pytest.mark.parametrize(("who", "status"), [("appraiser", 403), ("council_member", 403), ("unit_staff", 302)])
def test_others_do_not_see_the_log(client, request, who, status, coordinator, sample_framework):
    make_events(coordinator, sample_framework, 1)
    client.force_login(request.getfixturevalue(who))
    assert client.get(LOG_URL).status_code == status


def test_the_log_list_runs_a_fixed_number_of_queries(client, coordinator, sample_framework):
    client.force_login(coordinator)
    client.get(LOG_URL)  # the per-process content-type cache is warm after one page
    counts = []
    for count in (5, 50):
        make_events(coordinator, sample_framework, count)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LOG_URL)
        assert response.context["cl"].result_count == count
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_points_are_kept_exact_in_the_log(coordinator, graded_period):
    from assessment.services.results import adjustment_save

    y_te = Assessment.objects.get(unit__code="so-y-te")
    entry = Adjustment(
        assessment=y_te,
        criterion=y_te.framework.criteria.get(code="9.2"),
        points=D("0.1"),
        reason="Chậm báo cáo",
        decision_reference="3/QĐ-UBND",
    )
    before = last_id()
    adjustment_save(adjustment=entry, actor=coordinator)
    [(_actor, _action, _label, changes)] = events_since(before)
    assert changes["points"] == [None, "0.10"]


def test_marking_published_asks_the_transition_table(graded_period, appraiser):
    from django.core.exceptions import PermissionDenied

    from assessment.models import AssessmentEvent, AssessmentStatus, Publication
    from assessment.services.results import _mark_published
    from tests.assessment.conftest import approve_all

    approve_all(graded_period)
    events = AssessmentEvent.objects.count()
    with pytest.raises(PermissionDenied):
        _mark_published(graded_period, appraiser, None, Publication(decision_number="1/QĐ-UBND", version=1))
    assert set(Assessment.objects.filter(period=graded_period).values_list("status", flat=True)) == {
        AssessmentStatus.APPROVED
    }
    assert AssessmentEvent.objects.count() == events
