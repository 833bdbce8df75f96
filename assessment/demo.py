"""Demo: the sample framework for the departments and districts blocks, and the 2024 period in self-assessment.

Idempotent: the frameworks are loaded once; the period's calendar is moved so that self-assessment is
open on the day the demo is loaded.
"""

from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import Block
from assessment.models import Framework, Period, PeriodBlock
from assessment.resources import CriterionResource
from assessment.services import framework_activate, period_open
from cchc.imports import import_table, read_table

SAMPLE = Path(__file__).resolve().parent / "data" / "framework-sample.csv"
DEMO_YEAR = 2024  # the last year Hanoi still had districts
FRAMEWORK_NAMES = {
    "departments": "Bộ chỉ số CCHC khối Sở, ban, ngành (mẫu minh họa)",
    "districts": "Bộ chỉ số CCHC khối quận, huyện, thị xã (mẫu minh họa)",
}


def _framework(block: Block) -> Framework:
    framework, created = Framework.objects.get_or_create(
        block=block, name=FRAMEWORK_NAMES[block.code], version=1, defaults={"first_year": 2022, "last_year": 2025}
    )
    if created or not framework.criteria.exists():
        outcome = import_table(CriterionResource(framework), read_table(SAMPLE.read_bytes(), SAMPLE.name), commit=True)
        if not outcome.ok:
            raise ValueError("; ".join(str(problem) for problem in outcome.problems))
    if framework.state == Framework.State.DRAFT:
        framework_activate(framework=framework)
    return framework


@transaction.atomic
def demo_load() -> Period:
    today = timezone.localdate()
    calendar = {
        "self_assessment_opens": today - timedelta(days=14),
        "self_assessment_closes": today + timedelta(days=30),
        "appraisal_closes": today + timedelta(days=60),
        "explanation_opens": today + timedelta(days=61),
        "explanation_closes": today + timedelta(days=75),
        "council_date": today + timedelta(days=90),
        "publication_date": today + timedelta(days=100),
    }
    period, _ = Period.objects.update_or_create(
        year=DEMO_YEAR, defaults={"name": f"Chỉ số CCHC năm {DEMO_YEAR}", **calendar}
    )
    for block in Block.objects.filter(code__in=FRAMEWORK_NAMES):
        PeriodBlock.objects.get_or_create(period=period, block=block, defaults={"framework": _framework(block)})
    period_open(period=period)
    return period
