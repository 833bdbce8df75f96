"""Frameworks in and out of spreadsheets (docs/domain.md "framework" format), one framework at a time."""

import copy
import functools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from import_export.results import Error

from accounts.models import Block, Unit
from assessment.formatting import compact
from assessment.models import (
    CRITERION_FIELDS,
    Assessment,
    Criterion,
    EarlierResult,
    Framework,
    Method,
    RuleKind,
    Score,
)
from assessment.tree import Node, tree_problems
from cchc.imports import (
    SCORE_IMPORT_FORMATS,
    ChoiceWidget,
    CodeWidget,
    ImportProblem,
    JSONWidget,
    PointsWidget,
    TableFileError,
    TableResource,
    WholeNumberWidget,
    YesNoWidget,
)
from cchc.spreadsheets import unescape


class CriterionResource(TableResource):
    """The criteria of ``framework``: importing replaces its tree (rows missing from the file are removed)."""

    code = Field(attribute="code", column_name="Mã")
    title = Field(attribute="title", column_name="Tên tiêu chí")
    max_points = Field(attribute="max_points", column_name="Điểm tối đa", widget=PointsWidget())
    method = Field(attribute="method", column_name="Phương thức", widget=ChoiceWidget(Method, what=_("method")))
    rule = Field(attribute="rule", column_name="Quy tắc chấm", widget=ChoiceWidget(RuleKind, what=_("rule")))
    rule_params = Field(attribute="rule_params", column_name="Tham số quy tắc", widget=JSONWidget())
    allows_na = Field(attribute="allows_na", column_name="Cho phép không áp dụng", widget=YesNoWidget(default=False))
    evidence_required = Field(
        attribute="evidence_required", column_name="Yêu cầu tài liệu kiểm chứng", widget=YesNoWidget(default=False)
    )
    appraising_agency = Field(
        attribute="appraising_agency",
        column_name="Cơ quan thẩm định",
        widget=CodeWidget(Unit, not_found=_("there is no unit with code “%(value)s”.")),
    )
    guidance = Field(attribute="guidance", column_name="Hướng dẫn chấm")

    required_fields = ("code", "title", "max_points", "method")
    key_fields = ("code",)

    class Meta:
        model = Criterion
        fields = CRITERION_FIELDS  # the framework file's columns, in its order
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def __init__(self, framework: Framework | None = None, **kwargs):
        super().__init__(**kwargs)
        self.framework = framework
        self.nodes: list[Node] = []

    def get_queryset(self):
        return Criterion.objects.filter(framework=self.framework).select_related("appraising_agency")

    def init_instance(self, row=None):
        return Criterion(framework=self.framework)

    # A cell that cannot be read leaves its field empty; the checks that build on it would only repeat
    # the same problem in other words, so they are left out for that row.
    DEPENDS_ON = {
        "method": {"rule", "rule_params", "max_points"},
        "rule": {"rule_params"},
        "max_points": {"rule_params"},
    }

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if not import_validation_errors:
            return super().validate_instance(instance, import_validation_errors, validate_unique)
        errors = {
            key: list(value.error_list) if hasattr(value, "error_list") else list(value)
            for key, value in import_validation_errors.items()
        }
        hidden = set(errors) | {dependent for key in errors for dependent in self.DEPENDS_ON.get(key, ())}
        try:
            instance.full_clean(exclude=list(errors), validate_unique=validate_unique)
        except ValidationError as exc:
            for key, messages in exc.error_dict.items():
                if key not in hidden:
                    errors.setdefault(key, []).extend(messages)
        raise ValidationError(errors)

    # -- whole-file checks ------------------------------------------------------------------------

    def _nodes(self, dataset) -> list[Node]:
        """Read the rows leniently for the tree checks; unreadable cells are reported by the row checks."""
        nodes, seen = [], set()
        for number, values in enumerate(dataset, start=2):
            row = dict(zip(dataset.headers, values, strict=False))
            code = str(row.get(self.fields["code"].column_name) or "").strip()
            if not code or code in seen:
                continue
            seen.add(code)
            try:
                max_points, unreadable = self.fields["max_points"].clean(row), False
            except ValueError:
                max_points, unreadable = None, True
            try:
                method = self.fields["method"].clean(row)
            except ValueError:
                method = "?"
            nodes.append(Node(code=code, max_points=max_points, method=method, line=number, max_unreadable=unreadable))
        return nodes

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        if self.framework is None or self.framework.state != Framework.State.DRAFT:
            message = gettext("Only a draft framework can be changed; copy it as a new version to change it.")
            result = self.get_result_class()()
            result.append_base_error(Error(TableFileError(message)))
            result.problems = [ImportProblem(None, message)]
            return result
        self.existing_codes = set(Criterion.objects.filter(framework=self.framework).values_list("code", flat=True))
        self.changed_codes: list[str] = []
        self.user = kwargs.get("user")
        result = super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
        )
        result.removed_codes = sorted(self.existing_codes - {node.code for node in self.nodes})
        result.framework = self.framework
        return result

    def file_problems(self, dataset) -> list[ImportProblem]:
        self.nodes = self._nodes(dataset)
        return [ImportProblem(problem.line, problem.message) for problem in tree_problems(self.nodes)]

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if row_result.import_type == row_result.IMPORT_TYPE_UPDATE:
            self.changed_codes.append(str(row.get(self.fields["code"].column_name) or "").strip())

    def after_import(self, dataset, result, **kwargs):
        """The file's rows are saved: the tree replacement is finished (and logged) by its service."""
        from assessment.services.frameworks import criteria_tree_replace

        super().after_import(dataset, result, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return
        criteria_tree_replace(
            framework=self.framework,
            nodes=self.nodes,
            added=sorted({node.code for node in self.nodes} - self.existing_codes),
            changed=self.changed_codes,
            actor=self.user,
        )

    # -- export -------------------------------------------------------------------------------------

    def dehydrate_allows_na(self, criterion):
        return self._yes_no_for_leaf(criterion, criterion.allows_na)

    def dehydrate_evidence_required(self, criterion):
        return self._yes_no_for_leaf(criterion, criterion.evidence_required)

    @staticmethod
    def _yes_no_for_leaf(criterion, value):
        if not criterion.method:
            return ""
        return "có" if value else "không"

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        code = str(row.get(self.fields["code"].column_name) or "").strip()
        if not code:
            raise ValidationError({"code": gettext("The code is empty.")})


def _shallow_copy(instance, memo):
    return copy.copy(instance)


class PeriodScoreRows:
    """Rows of one period's score table, found by unit and criterion code; each pair once per file."""

    key_fields = ("unit", "criterion")
    import_formats = SCORE_IMPORT_FORMATS  # a row per unit and criterion: the higher IMPORT_MAX_ROWS_SCORES

    no_period_message = _("Choose the period the grades belong to.")

    def __init__(self, period=None, **kwargs):
        super().__init__(**kwargs)
        self.period = period

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        self.user = kwargs.get("user")
        if self.period is None:
            message = str(self.no_period_message)
            result = self.get_result_class()()
            result.append_base_error(Error(TableFileError(message)))
            result.problems = [ImportProblem(None, message)]
            return result
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
        )

    def before_import(self, dataset, **kwargs):
        """The score rows the file names, read in four queries instead of one or two per row (issue 14: a national
        survey file has 40,000 rows): the assessments (with unit and period) and the criteria once each, shared by
        their scores, and the units that have an assessment."""
        super().before_import(dataset, **kwargs)
        units, codes = (
            {unescape(str(value or "").strip()) for value in dataset[self.fields[name].column_name]}
            for name in ("unit", "criterion")
        )
        assessments = {
            assessment.pk: assessment
            for assessment in Assessment.objects.select_related("period", "unit").filter(
                period=self.period, unit__code__in=units
            )
        }
        criteria = {
            criterion.pk: criterion
            for criterion in Criterion.objects.filter(
                framework_id__in={assessment.framework_id for assessment in assessments.values()}, code__in=codes
            )
        }
        self._scores = {}
        for score in Score.objects.filter(assessment_id__in=list(assessments), criterion_id__in=list(criteria)):
            score.assessment, score.criterion = assessments[score.assessment_id], criteria[score.criterion_id]
            # import-export keeps a deep copy of each row's instance to show what changed; a Score's deep copy
            # copies its assessment, period, unit and criterion too (40 % of a row's time). A row changes only the
            # score's own fields, so a shallow copy (the related objects shared) shows the same difference.
            score.__deepcopy__ = functools.partial(_shallow_copy, score)
            self._scores[(score.assessment.unit.code, score.criterion.code)] = score
        self._assessed_units = set(
            Score.objects.filter(assessment_id__in=list(assessments))
            .values_list("assessment__unit__code", flat=True)
            .distinct()
        )

    def get_or_init_instance(self, instance_loader, row):
        unit = str(row.get(self.fields["unit"].column_name) or "").strip()
        code = str(row.get(self.fields["criterion"].column_name) or "").strip()
        score = self._scores.get((unit, code))
        if score is None:
            if unit not in self._assessed_units:
                raise ValidationError(
                    {
                        "unit": gettext("%(unit)s has no assessment in %(period)s.")
                        % {"unit": unit, "period": self.period}
                    }
                )
            raise ValidationError({"criterion": gettext("there is no criterion %(code)s.") % {"code": code}})
        return score, False

    def duplicate_error(self, values, first):
        return ValidationError(
            gettext("%(unit)s, criterion %(code)s already appears in row %(row)s.")
            % {"unit": values[0], "code": values[1], "row": first}
        )


class GradeResource(PeriodScoreRows, TableResource):
    """Bulk grading from a spreadsheet: unit, criterion, appraised_points, comment (one period at a time).

    Every row goes through the same checks as the grading page: the agency, the round, the maximum.
    """

    unit = Field(column_name="Mã đơn vị")
    unit_name = Field(column_name="Tên đơn vị")
    criterion = Field(column_name="Mã tiêu chí")
    criterion_title = Field(column_name="Tên tiêu chí")
    max_points = Field(column_name="Điểm tối đa")
    self_points = Field(column_name="Điểm tự đánh giá")
    appraised_points = Field(column_name="Điểm thẩm định")
    comment = Field(column_name="Ý kiến thẩm định")

    required_fields = ("unit", "criterion", "appraised_points")

    class Meta:
        model = Score
        fields = (
            "unit",
            "unit_name",
            "criterion",
            "criterion_title",
            "max_points",
            "self_points",
            "appraised_points",
            "comment",
        )
        import_id_fields = ()
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = False

    # -- export ------------------------------------------------------------------------------------------

    def _round_fields(self, score):
        from assessment.policy import ROUND_2, appraisal_round

        if appraisal_round(score.assessment) == ROUND_2:
            return "reappraised_points", "reappraised_comment"
        return "appraised_points", "appraised_comment"

    def dehydrate_unit(self, score):
        return score.assessment.unit.code

    def dehydrate_unit_name(self, score):
        return score.assessment.unit.name

    def dehydrate_criterion(self, score):
        return score.criterion.code

    def dehydrate_criterion_title(self, score):
        return score.criterion.title

    def dehydrate_max_points(self, score):
        return PointsWidget().render(score.max_points)

    def dehydrate_self_points(self, score):
        return "N/A" if score.is_na else PointsWidget().render(score.self_points)

    def dehydrate_appraised_points(self, score):
        return PointsWidget().render(getattr(score, self._round_fields(score)[0]))

    def dehydrate_comment(self, score):
        return getattr(score, self._round_fields(score)[1])

    # -- import ------------------------------------------------------------------------------------------

    def import_instance(self, instance, row, **kwargs):
        from assessment.policy import appraisal_round, grade_refusal
        from assessment.services import GradeInput
        from assessment.services.appraisal import grade_problems

        try:
            points = PointsWidget().clean(row.get(self.fields["appraised_points"].column_name))
        except ValueError as exc:
            raise ValidationError({"appraised_points": str(exc)}) from exc
        comment = str(row.get(self.fields["comment"].column_name) or "").strip()
        round_ = appraisal_round(instance.assessment)
        refusal = grade_refusal(self.user, instance, round_)
        if refusal:
            raise ValidationError(refusal)
        grade = GradeInput(score_id=instance.pk, version=instance.version, points=points, comment=comment)
        problems = grade_problems(instance, round_, grade)
        if problems:
            raise ValidationError(
                {"appraised_points" if key == "points" else "comment": value for key, value in problems.items()}
            )
        points_field, comment_field = self._round_fields(instance)
        instance._grade = grade
        instance._unchanged = getattr(instance, points_field) == points and getattr(instance, comment_field) == comment
        setattr(instance, points_field, points)
        setattr(instance, comment_field, comment)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return getattr(instance, "_unchanged", False) and not import_validation_errors

    def save_instance(self, instance, is_create, row, **kwargs):
        from assessment.exceptions import ConflictError
        from assessment.services import scores_grade

        try:
            scores_grade(actor=self.user, rows=[instance._grade])
        except ConflictError as error:
            # Graded by someone else while the file was read: the row is refused, so the whole import is.
            raise ValidationError(error.messages) from error

    def column_label(self, attribute):
        labels = {"points": "appraised_points", "comment": "comment"}
        return super().column_label(labels.get(attribute, attribute))


class SurveyResource(PeriodScoreRows, TableResource):
    """Survey results: unit, criterion, points (survey criteria only, within their maximum), one period at a time."""

    unit = Field(column_name="Mã đơn vị")
    criterion = Field(column_name="Mã tiêu chí")
    points = Field(column_name="Điểm")

    required_fields = ("unit", "criterion", "points")

    class Meta:
        model = Score
        fields = ("unit", "criterion", "points")
        import_id_fields = ()
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = False

    def dehydrate_unit(self, score):
        return score.assessment.unit.code

    def dehydrate_criterion(self, score):
        return score.criterion.code

    def dehydrate_points(self, score):
        return PointsWidget().render(score.survey_points)

    no_period_message = _("Choose the period the survey results belong to.")

    def import_instance(self, instance, row, **kwargs):
        if instance.criterion.method != Method.SURVEY:
            raise ValidationError(
                {"criterion": gettext("%(code)s is not a survey criterion.") % {"code": instance.criterion.code}}
            )
        try:
            points = PointsWidget().clean(row.get(self.fields["points"].column_name))
        except ValueError as exc:
            raise ValidationError({"points": str(exc)}) from exc
        if points is None or points > instance.max_points:
            raise ValidationError({"points": gettext("between 0 and %(max)s.") % {"max": compact(instance.max_points)}})
        instance._unchanged = instance.survey_points == points
        instance.survey_points = points

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return getattr(instance, "_unchanged", False) and not import_validation_errors

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._changed: list[tuple[int, object]] = []

    def save_instance(self, instance, is_create, row, **kwargs):
        """Kept, then written together once every row is read (one audited update instead of one per row)."""
        self._changed.append((instance.pk, instance.survey_points))

    def after_import(self, dataset, result, **kwargs):
        from assessment.services.results import survey_points_set

        super().after_import(dataset, result, **kwargs)
        if self._changed and not (result.has_errors() or result.has_validation_errors()):
            survey_points_set(actor=self.user, rows=self._changed)


class EarlierResultResource(TableResource):
    """Results of years run before this system: year, block, unit, index_percent, rank."""

    year = Field(attribute="year", column_name="Năm", widget=WholeNumberWidget())
    block = Field(
        attribute="block",
        column_name="Khối",
        widget=CodeWidget(Block, not_found=_("there is no block with code “%(value)s”.")),
    )
    unit = Field(
        attribute="unit",
        column_name="Mã đơn vị",
        widget=CodeWidget(Unit, not_found=_("there is no unit with code “%(value)s”.")),
    )
    index_percent = Field(attribute="index_percent", column_name="Chỉ số (%)", widget=PointsWidget())
    rank = Field(attribute="rank", column_name="Xếp hạng", widget=WholeNumberWidget())

    required_fields = ("year", "block", "unit", "index_percent", "rank")
    key_fields = ("year", "unit")

    class Meta:
        model = EarlierResult
        fields = ("year", "block", "unit", "index_percent", "rank")
        import_id_fields = ("year", "unit")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def get_or_init_instance(self, instance_loader, row):
        """Finding the existing row reads the year and the unit first: their errors name their column too."""
        for name in self._meta.import_id_fields:
            field = self.fields[name]
            try:
                field.clean(row)
            except ValueError as exc:
                raise ValidationError({name: str(exc)}) from exc
        return super().get_or_init_instance(instance_loader, row)

    def duplicate_error(self, values, first):
        return ValidationError(
            gettext("%(unit)s already has a result for %(year)s in row %(row)s.")
            % {"unit": values[1], "year": values[0], "row": first}
        )
