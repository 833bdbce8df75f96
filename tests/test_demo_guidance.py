"""The demo shows the guidance of earlier years on the open 2026 self-assessment (issue 16): the published years'
documents on the criteria at full points and Sở Tài chính's 2025 plan, loaded once however many times it runs."""

from django.core.management import call_command
from django.db.models import F

from accounts.models import User
from assessment.models import Assessment, Document, Evidence, ImprovementItem
from tests.second_factor import VerifiedClient


def test_the_2026_self_assessment_shows_the_earlier_years_and_last_years_plan(db, settings, private_storage):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Document.objects.count(), Evidence.objects.count(), ImprovementItem.objects.count())
    files = sorted(path.name for path in private_storage.rglob("*.pdf"))
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Document.objects.count(), Evidence.objects.count(), ImprovementItem.objects.count()) == counts
    assert sorted(path.name for path in private_storage.rglob("*.pdf")) == files
    assert counts[2] == 3 and not Evidence.objects.filter(score__assessment__period__year=2026).exists()
    assert set(ImprovementItem.objects.values_list("assessment__unit__code", "assessment__period__year", "status")) == {
        ("so-tai-chinh", 2025, "done"),
        ("so-tai-chinh", 2025, "in_progress"),
        ("so-tai-chinh", 2025, "planned"),
    }
    # documents only where the leaf got full points
    assert not Evidence.objects.exclude(score__appraised_points=F("score__max_points")).exists()

    client = VerifiedClient()
    client.force_login(User.objects.get(username="canbo"))
    assessment = Assessment.objects.get(period__year=2026, unit__code="so-tai-chinh")
    html = client.get(f"/assessments/{assessment.pk}/", {"field": "1"}).content.decode()
    assert html.count("Gợi ý từ các năm trước") >= 3
    assert "Kế hoạch khắc phục năm 2025 của đơn vị" in html and "hồ sơ đạt điểm tối đa" in html
    for other in ["Sở Y tế", "Sở Xây dựng", "Phường Ba Đình", "Quận Ba Đình"]:
        assert other not in html
