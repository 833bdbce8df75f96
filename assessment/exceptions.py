"""The errors the assessment services raise, each with a translated message a person can act on."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

GRADE_REASONS = {"appraisal", "appraisal round 2", "council"}  # the change reasons of the grading service


@dataclass(frozen=True)
class Conflict:
    """One leaf someone else saved after the page was opened: which, of which unit, by whom, when."""

    score_id: int
    code: str
    by: str
    at: datetime | None
    unit: str = ""
    graded: bool = False  # the last save was a grade, not the unit's own values

    @classmethod
    def of(cls, score) -> "Conflict":
        """The conflict on ``score`` as saved now; its last history record tells whether that save was a grade."""
        reason = (
            score.history.order_by("-history_date", "-history_id")
            .values_list("history_change_reason", flat=True)
            .first()
        )
        return cls(
            score_id=score.pk,
            code=score.criterion.code,
            by=str(score.updated_by or ""),
            at=score.updated_at,
            unit=str(score.assessment.unit),
            graded=reason in GRADE_REASONS,
        )

    @property
    def message(self) -> str:
        values = {"by": self.by or gettext("someone else"), "code": self.code, "unit": self.unit}
        if self.at is None:
            if self.graded:
                text = gettext(
                    "Meanwhile %(by)s graded criterion %(code)s of %(unit)s: "
                    "look at the saved grade and enter yours again if needed."
                )
            else:
                text = gettext(
                    "Meanwhile %(by)s saved criterion %(code)s of %(unit)s: "
                    "look at the saved values and enter yours again if needed."
                )
            return text % values
        values["at"] = date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT")
        if self.graded:
            text = gettext(
                "Meanwhile %(by)s graded criterion %(code)s of %(unit)s at %(at)s: "
                "look at the saved grade and enter yours again if needed."
            )
        else:
            text = gettext(
                "Meanwhile %(by)s saved criterion %(code)s of %(unit)s at %(at)s: "
                "look at the saved values and enter yours again if needed."
            )
        return text % values


class ConflictError(Exception):
    """Someone else saved these leaves since the page was opened: nothing was saved."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(conflicts)

    @classmethod
    def on(cls, scores) -> "ConflictError":
        """The error for these locked rows, read again: a row locked after waiting for another save comes back
        with that save's values but, on PostgreSQL, with its joined rows (who saved it) as they were before."""
        model = type(scores[0])
        fresh = model.objects.select_related("criterion", "updated_by", "assessment__unit").in_bulk(
            [score.pk for score in scores]
        )
        return cls([Conflict.of(fresh[score.pk]) for score in scores])

    @property
    def messages(self) -> list[str]:
        return [conflict.message for conflict in self.conflicts]

    def __str__(self) -> str:
        return " ".join(self.messages)


class ScoreErrors(ValidationError):
    """Per-leaf field errors: {score_id: {field: [messages]}}; nothing was saved."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        self.by_score = errors
        super().__init__(
            [message for fields in errors.values() for messages in fields.values() for message in messages]
        )


class AssessmentIncomplete(ValidationError):
    """The submission is refused: ``items`` (leaves) and ``scan_problems`` (the signed report) say what and why."""

    def __init__(self, items, scan_problems=()):
        self.items = items
        self.scan_problems = list(scan_problems)
        super().__init__([str(item) for item in items] + self.scan_problems)
