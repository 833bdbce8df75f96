import hashlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Block, Membership, Role, Unit, User


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"block-{n}")
    name = factory.Sequence(lambda n: f"Khối {n}")
    order = factory.Sequence(lambda n: n)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    block = factory.SubFactory(BlockFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-thu-nghiem")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.UNIT_STAFF
    unit = factory.SubFactory(UnitFactory)


# -- the assessment domain ---------------------------------------------------------------------------------------
#
# FrameworkFactory() builds a draft framework with a small valid tree (SMALL_TREE); FrameworkFactory(tree=False)
# one without criteria. AssessmentFactory() gives a unit's assessment in a period whose self-assessment is open
# today, with one empty score row per leaf, as opening the period creates them (the agency of the leaf or of its
# nearest ancestor). ScoreFactory, DocumentFactory and EvidenceFactory fill in what a test needs on top.

AGENCY_A = "so-noi-vu"
AGENCY_B = "so-tu-phap"

# code, title, max points, method, agency code, extra fields; activation accepts it (the sums hold).
SMALL_TREE = [
    ("1", "Công tác chỉ đạo, điều hành cải cách hành chính", "5.00", "", AGENCY_A, {}),
    ("1.1", "Ban hành kế hoạch cải cách hành chính năm", "2.00", "appraisal", None, {"evidence_required": True}),
    ("1.2", "Kiểm tra cải cách hành chính", "3.00", "appraisal", None, {"allows_na": True}),
    ("2", "Cải cách thể chế", "5.00", "", None, {}),
    ("2.1", "Rà soát văn bản quy phạm pháp luật", "4.00", "appraisal", AGENCY_B, {}),
    ("2.2", "Mức độ hài lòng về thể chế", "1.00", "survey", None, {}),
    ("3", "Điểm thưởng, điểm trừ", None, "", None, {}),
    ("3.1", "Sáng kiến cải cách hành chính", "1.00", "bonus", None, {}),
    ("3.2", "Bị phê bình về cải cách hành chính", "2.00", "penalty", None, {}),
]
AGENCY_NAMES = {AGENCY_A: "Sở Nội vụ", AGENCY_B: "Sở Tư pháp"}


def agency(code: str) -> Unit:
    """An appraising agency of the departments' block (one per code)."""
    departments = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    return UnitFactory(code=code, name=AGENCY_NAMES.get(code, code), block=departments, is_appraising_agency=True)


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assessment.Framework"
        skip_postgeneration_save = True

    block = factory.SubFactory(BlockFactory, code="departments", name="Khối Sở, ban, ngành", order=1)
    name = factory.Sequence(lambda n: f"Bộ chỉ số {n}")
    first_year = 2024

    @factory.post_generation
    def tree(framework, create, extracted, **kwargs):
        """The criteria of SMALL_TREE (``tree=False``: none), parents set, in file order."""
        if not create or extracted is False:
            return
        from assessment.models import Criterion

        by_code = {}
        for order, (code, title, max_points, method, agency_code, extra) in enumerate(SMALL_TREE, start=1):
            by_code[code] = Criterion.objects.create(
                framework=framework,
                code=code,
                parent=by_code.get(code.rsplit(".", 1)[0]) if "." in code else None,
                title=title,
                max_points=Decimal(max_points) if max_points else None,
                method=method,
                rule="yes_no" if method == "appraisal" else "",
                appraising_agency=agency(agency_code) if agency_code else None,
                order=order,
                **extra,
            )


class ActiveFrameworkFactory(FrameworkFactory):
    state = "active"


class CriterionFactory(factory.django.DjangoModelFactory):
    """A leaf appraised by a yes/no rule, added at the end of its framework (no parent: a field of its own)."""

    class Meta:
        model = "assessment.Criterion"

    framework = factory.SubFactory(FrameworkFactory, tree=False)
    code = factory.Sequence(lambda n: str(100 + n))
    title = factory.Sequence(lambda n: f"Tiêu chí {n}")
    max_points = Decimal("1.00")
    method = "appraisal"
    rule = "yes_no"
    order = factory.Sequence(lambda n: 1000 + n)


def _calendar(today=None) -> dict:
    today = today or timezone.localdate()
    return {
        "self_assessment_opens": today - timedelta(days=10),
        "self_assessment_closes": today + timedelta(days=10),
        "appraisal_closes": today + timedelta(days=20),
        "explanation_opens": today + timedelta(days=21),
        "explanation_closes": today + timedelta(days=30),
        "council_date": today + timedelta(days=40),
        "publication_date": today + timedelta(days=50),
    }


class PeriodFactory(factory.django.DjangoModelFactory):
    """A period whose self-assessment is open today (ten days each side); years count up from 2024 across a run,
    so pass ``year=`` when a test compares years."""

    class Meta:
        model = "assessment.Period"
        django_get_or_create = ("year",)

    year = factory.Sequence(lambda n: 2024 + n)
    name = factory.LazyAttribute(lambda period: f"Chỉ số CCHC năm {period.year}")
    self_assessment_opens = factory.LazyFunction(lambda: _calendar()["self_assessment_opens"])
    self_assessment_closes = factory.LazyFunction(lambda: _calendar()["self_assessment_closes"])
    appraisal_closes = factory.LazyFunction(lambda: _calendar()["appraisal_closes"])
    explanation_opens = factory.LazyFunction(lambda: _calendar()["explanation_opens"])
    explanation_closes = factory.LazyFunction(lambda: _calendar()["explanation_closes"])
    council_date = factory.LazyFunction(lambda: _calendar()["council_date"])
    publication_date = factory.LazyFunction(lambda: _calendar()["publication_date"])


class AssessmentFactory(factory.django.DjangoModelFactory):
    """A unit's assessment with one empty score row per leaf of its (active) framework, as opening creates them."""

    class Meta:
        model = "assessment.Assessment"
        skip_postgeneration_save = True

    framework = factory.SubFactory(ActiveFrameworkFactory)
    period = factory.SubFactory(PeriodFactory)
    unit = factory.SubFactory(UnitFactory, block=factory.SelfAttribute("..framework.block"))

    @factory.post_generation
    def scores(assessment, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        from assessment.models import PeriodBlock, Score
        from assessment.selectors.frameworks import framework_leaves_with_agency

        PeriodBlock.objects.get_or_create(
            period=assessment.period, block=assessment.framework.block, defaults={"framework": assessment.framework}
        )
        Score.objects.bulk_create(
            Score(assessment=assessment, criterion_id=leaf, max_points=max_points, agency_id=agency_id)
            for leaf, max_points, agency_id in framework_leaves_with_agency(assessment.framework_id)
        )


class ScoreFactory(factory.django.DjangoModelFactory):
    """A score row of a leaf added to its assessment's framework (use AssessmentFactory's rows when they do)."""

    class Meta:
        model = "assessment.Score"

    assessment = factory.SubFactory(AssessmentFactory)
    criterion = factory.SubFactory(CriterionFactory, framework=factory.SelfAttribute("..assessment.framework"))
    max_points = factory.SelfAttribute("criterion.max_points")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class DocumentFactory(factory.django.DjangoModelFactory):
    """A PDF in a unit's library (use the ``private_storage`` fixture: the file is written)."""

    class Meta:
        model = "assessment.Document"

    unit = factory.SubFactory(UnitFactory)
    original_name = factory.Sequence(lambda n: f"ke-hoach-{n}.pdf")
    file = factory.LazyAttribute(lambda document: ContentFile(document.content, name=document.original_name))
    kind = "pdf"
    size = factory.LazyAttribute(lambda document: len(document.content))
    sha256 = factory.LazyAttribute(lambda document: hashlib.sha256(document.content).hexdigest())
    uploaded_by = factory.SubFactory(UserFactory)

    class Params:
        content = factory.Sequence(lambda n: PDF_BYTES + str(n).encode())


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A document of the score's unit attached to the score in the self-assessment round."""

    class Meta:
        model = "assessment.Evidence"

    score = factory.SubFactory(ScoreFactory)
    document = factory.SubFactory(DocumentFactory, unit=factory.SelfAttribute("..score.assessment.unit"))
    round = "self"
    added_by = factory.SelfAttribute("document.uploaded_by")
