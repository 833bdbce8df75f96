"""The scoring rules the database also computes, for speed: one expression per rule, each with its Python twin.

Every query that needs a rule takes it from here. tests/assessment/test_sql_equals_python.py proves on random
periods (N/A, blanks, round 2, council, survey, bonus and penalty) that each expression gives exactly what its
twin gives, leaf by leaf and unit by unit, on PostgreSQL and on SQLite.
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Value, When, Window
from django.db.models.functions import Coalesce, Round, RowNumber

from assessment.models import Method

POINTS = DecimalField(max_digits=12, decimal_places=2)


def _zero() -> Value:
    return Value(Decimal("0.00"), output_field=POINTS)


def final_points_expression() -> Coalesce:
    """A leaf's final score: the council's, else round 2, else round 1; blank counts 0.

    Python twin: scoring.final_points(appraised, reappraised, council).
    """
    return Coalesce("council_points", "reappraised_points", "appraised_points", _zero(), output_field=POINTS)


def scored_points_expression() -> Case:
    """A score row's points as the index counts them: final points on an appraisal leaf, the survey points
    (blank 0) on a survey leaf.

    Python twin: scoring.final_points for appraisal leaves and the survey points of scoring.unit_result
    (None counts 0), as selectors.results.lost_points reads them.
    """
    return Case(
        When(criterion__method=Method.SURVEY, then=Coalesce("survey_points", _zero(), output_field=POINTS)),
        default=final_points_expression(),
        output_field=POINTS,
    )


def counted_filter() -> Q:
    """The score rows that count: appraisal and survey leaves, without the N/A the appraiser confirmed.

    Python twin: scoring.unit_result, which leaves a LeafScore with not_applicable out of both sides.
    """
    return Q(criterion__method__in=[Method.APPRAISAL, Method.SURVEY]) & ~Q(
        criterion__method=Method.APPRAISAL, is_na=True, na_confirmed=True
    )


def lost_points_expression() -> Round:
    """The points a counted leaf lost: its maximum minus its scored points (a leaf lost points when > 0).

    Rounded to the 2 places: exact already in PostgreSQL; SQLite subtracts in floating point (1.97 − 1.91 gave
    0.0600000000000001), which put wrong values and a wrong order of ties into the weakest leaves.
    Python twin: selectors.results.lost_points (LostPoints.lost of each leaf row).
    """
    difference = ExpressionWrapper(F("criterion__max_points") - scored_points_expression(), output_field=POINTS)
    return Round(difference, 2, output_field=POINTS)


def weakest_position_window(lost: str = "lost") -> Window:
    """A leaf's place among its unit's losses (1 = lost the most; ties in framework order).

    Python twin: selectors.results.lost_points' leaf rows, sorted by lost points (most first), stable on framework
    order.
    """
    return Window(RowNumber(), partition_by=[F("assessment_id")], order_by=[F(lost).desc(), F("criterion__order")])
