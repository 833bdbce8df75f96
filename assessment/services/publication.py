"""The publication's snapshot written by PostgreSQL itself (issue 12): each unit's totals, index and rank, its
fields and weakest leaves, and each block's averages, computed and inserted set-based, never row by row in Python.

SQL twin of results._freeze over results.period_results (scoring.unit_result, competition_ranks, average): the
same rules, term by term, named beside each statement. tests/assessment/test_sql_equals_python.py proves on random
periods that the snapshot written here equals the Python results exactly (Decimal equality). SQLite keeps the
Python path (results._freeze); both write the same rows.
"""

from django.db import connection

from assessment.models import Method, Publication

# Scratch tables (dropped at the end, and at commit whatever happens): the counted leaves, each unit's fields, its
# totals with the id its published row will have. Never analysed: the planner sizes them from their pages, which gives
# the same hash joins as ANALYZE did (it took a tenth of a second at national size).
LEAVES, GROUPS, UNITS = "publish_leaves", "publish_groups", "publish_units"
# Each unit's fields in points, read from GROUPS.
FIELDS = f"(SELECT assessment_id, field_code, achieved * 0.01 AS achieved, maximum * 0.01 AS maximum FROM {GROUPS})"  # noqa: S608
KINDS = {"appraisal": Method.APPRAISAL.value, "survey": Method.SURVEY.value}
# The planner settings snapshot_write changes for its own statements (reset at its end).
PLANNER_SETTINGS = ("jit", "parallel_setup_cost", "parallel_tuple_cost", "enable_mergejoin")
ADJUSTMENTS = {"bonus": Method.BONUS.value, "penalty": Method.PENALTY.value}


def snapshot_write(publication: Publication, leaves: tuple[str, tuple], weakest: int) -> None:
    """Write the whole snapshot of ``publication``. ``leaves``: the SQL of the counted leaves with their
    assessment, field code, method, criterion, framework order, max and scored points (results._leaf_scan_rows)."""
    period_id, publication_id = publication.period_id, publication.pk
    leaves_sql, leaves_params = leaves
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling these short statements costs more than it saves
        # The pass over every score row on all cores, as the anchor's plan does by itself: the planner's default
        # costs (a tenth for each row through the gather) keep the 500,000 leaves on one.
        cursor.execute("SET LOCAL parallel_setup_cost = 10")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")
        # The scratch tables are never analysed, so the planner takes them for a few hundred rows and sorts both
        # sides of a merge join (50,000 field rows); hashed joins of the same rows take a fifth less.
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(f"DROP TABLE IF EXISTS {LEAVES}, {GROUPS}, {UNITS}")
        # The one pass over the score rows (500,000 at national size), on all cores (CREATE TABLE … AS; an INSERT …
        # SELECT runs on one): each counted leaf once, its points and maximum in hundredths, as integers: every value
        # has 2 places (the database holds each score within its numeric(7, 2) maximum), so they are exact, and so
        # are their sums and differences. The field sums and the weakest leaves both read this narrow table (on one
        # core: a temporary table is the session's own) rather than the score rows joined to their criteria twice:
        # one scan instead of two. With the weakest leaves' insert, at national size (benchmark_publish --statements,
        # runs alternated with the two passes): on a busy machine 0.81–0.96 s became 0.63–0.69 s; on a quiet one,
        # where both passes had both cores to themselves, 0.53 s stayed 0.54 s.
        cursor.execute(
            f"CREATE TEMP TABLE {LEAVES} ON COMMIT DROP AS "  # noqa: S608 (the ORM's own SQL and fixed names)
            "SELECT leaf.leaf_assessment AS assessment_id, leaf.leaf_field AS field_code, "
            f"leaf.leaf_method = '{KINDS['survey']}' AS survey, leaf.leaf_criterion AS criterion_id, "
            'leaf.leaf_order AS "order", CAST(leaf.leaf_max * 100 AS integer) AS maximum, '
            "CAST(leaf.leaf_points * 100 AS integer) AS points "
            f"FROM ({leaves_sql}) leaf",
            leaves_params,
        )
        # Each unit's field, its points, its survey points apart and its maximum (scoring.unit_result; N/A leaves
        # are not counted rows), hashed. An integer sum keeps no numeric state per group (50,000 groups at national
        # size: this alone took it from about 2.5 to 1.3 times the anchor). Kept in hundredths (FIELDS reads them
        # back in points); appraisal points = points − survey points.
        cursor.execute(
            f"CREATE TEMP TABLE {GROUPS} ON COMMIT DROP AS "  # noqa: S608 (fixed names)
            "SELECT assessment_id, field_code, SUM(points) AS achieved, "
            "COALESCE(SUM(points) FILTER (WHERE survey), 0) AS survey, SUM(maximum) AS maximum "
            f"FROM {LEAVES} GROUP BY assessment_id, field_code"
        )
        # Each unit: scoring.unit_result's totals (bonus and penalty: the entries of a leaf added up, below 0 counts
        # 0, capped by the leaf's max), index_percent (None without a maximum), shown, competition_ranks on the shown
        # index inside the block (no index, no rank), and the id of its published row, given in the pages' order.
        cursor.execute(
            f"""
            CREATE TEMP TABLE {UNITS} ON COMMIT DROP AS
            WITH sums AS (
                SELECT assessment_id, SUM(achieved - survey) * 0.01 AS appraised, SUM(survey) * 0.01 AS survey,
                       SUM(maximum) * 0.01 AS maximum
                FROM {GROUPS} GROUP BY assessment_id
            ), entries AS (
                SELECT e.assessment_id, c.method, LEAST(GREATEST(SUM(e.points), 0), c.max_points) AS points
                FROM assessment_adjustment e
                JOIN assessment_criterion c ON c.id = e.criterion_id
                JOIN assessment_assessment a ON a.id = e.assessment_id
                WHERE a.period_id = %(period)s AND c.method IN (%(bonus)s, %(penalty)s)
                GROUP BY e.assessment_id, e.criterion_id, c.method, c.max_points
            ), adjustments AS (
                SELECT assessment_id,
                       COALESCE(SUM(points) FILTER (WHERE method = %(bonus)s), 0) AS bonus,
                       COALESCE(SUM(points) FILTER (WHERE method = %(penalty)s), 0) AS penalty
                FROM entries GROUP BY assessment_id
            ), totals AS (
                SELECT a.id AS assessment_id, a.framework_id, u.id AS unit_id, u.code AS unit_code,
                       u.name AS unit_name, u.block_id, b."order" AS block_order, b.code AS block_code,
                       COALESCE(s.appraised, 0) AS appraised, COALESCE(s.survey, 0) AS survey,
                       COALESCE(j.bonus, 0) AS bonus, COALESCE(j.penalty, 0) AS penalty,
                       COALESCE(s.appraised, 0) + COALESCE(s.survey, 0) + COALESCE(j.bonus, 0)
                           - COALESCE(j.penalty, 0) AS total,
                       COALESCE(s.maximum, 0) AS maximum
                FROM assessment_assessment a
                JOIN accounts_unit u ON u.id = a.unit_id
                JOIN accounts_block b ON b.id = u.block_id
                LEFT JOIN sums s ON s.assessment_id = a.id
                LEFT JOIN adjustments j ON j.assessment_id = a.id
                WHERE a.period_id = %(period)s
            ), indexed AS (
                SELECT *, CASE WHEN maximum = 0 THEN NULL ELSE ROUND(total * 100 / maximum, 4) END AS index
                FROM totals
            ), ranked AS (
                SELECT *, ROUND(index, 2) AS shown_index,
                       CASE WHEN index IS NULL THEN NULL
                            ELSE RANK() OVER (PARTITION BY block_id ORDER BY ROUND(index, 2) DESC NULLS LAST)
                       END AS rank
                FROM indexed
                ORDER BY block_order, block_code COLLATE "C", rank NULLS LAST, unit_code COLLATE "C"
            )
            SELECT nextval(pg_get_serial_sequence('assessment_publishedunit', 'id')) AS result_id, * FROM ranked
            """,  # noqa: S608 (fixed names)
            {"period": period_id, **ADJUSTMENTS},
        )
        # The blocks in their order; the average of the units' shown index (scoring.average: None without one).
        cursor.execute(
            f"""
            INSERT INTO assessment_publishedblock (publication_id, block_id, name, "order", average, units)
            SELECT %(publication)s, b.id, b.name, b."order", ROUND(AVG(u.shown_index), 2), COUNT(*)
            FROM {UNITS} u JOIN accounts_block b ON b.id = u.block_id
            GROUP BY b.id, b.name, b."order", b.code
            ORDER BY b."order", b.code COLLATE "C"
            """,  # noqa: S608 (fixed names)
            {"publication": publication_id},
        )
        cursor.execute(
            f"""
            INSERT INTO assessment_publishedunit (id, publication_id, block_id, unit_id, unit_code, unit_name,
                appraised, survey, bonus, penalty, total, maximum, "index", shown_index, rank)
            SELECT u.result_id, %(publication)s, p.id, u.unit_id, u.unit_code, u.unit_name, u.appraised, u.survey,
                   u.bonus, u.penalty, u.total, u.maximum, u.index, u.shown_index, u.rank
            FROM {UNITS} u JOIN assessment_publishedblock p ON p.publication_id = %(publication)s
                AND p.block_id = u.block_id
            ORDER BY u.result_id
            """,  # noqa: S608 (fixed names)
            {"publication": publication_id},
        )
        # Each unit's fields in code order (scoring.unit_result sorts them by _code_key: the few distinct codes are
        # put in that order once, not each of the 50,000 rows), titled by its framework's field (none: ""), with
        # their index (index_percent); and in the same statement each block's fields: its framework's fields (in
        # framework order) that some unit of the block scored, with the average of the units' shown field index
        # (scoring.average). One join of the field sums with the units and one index per row, read by both inserts.
        cursor.execute(
            f"""
            WITH codes AS (
                SELECT code, ROW_NUMBER() OVER (ORDER BY {_code_order("code")}) AS place
                FROM (SELECT DISTINCT field_code AS code FROM {GROUPS}) found
            ), scored AS MATERIALIZED (
                SELECT u.result_id, u.block_id, u.framework_id, g.field_code, g.achieved, g.maximum, codes.place,
                       CASE WHEN g.maximum = 0 THEN NULL ELSE ROUND(g.achieved * 100 / g.maximum, 4) END AS index
                FROM {FIELDS} g
                JOIN codes ON codes.code = g.field_code
                JOIN {UNITS} u ON u.assessment_id = g.assessment_id
            ), unit_fields AS (
                INSERT INTO assessment_publishedfield (result_id, code, title, achieved, maximum, "index", "order")
                SELECT s.result_id, s.field_code, COALESCE(f.title, ''), s.achieved, s.maximum, s.index,
                       ROW_NUMBER() OVER (PARTITION BY s.result_id ORDER BY s.place) - 1
                FROM scored s
                LEFT JOIN assessment_criterion f ON f.framework_id = s.framework_id AND f.parent_id IS NULL
                    AND f.code = s.field_code AND COALESCE(f.method, '') NOT IN (%(bonus)s, %(penalty)s)
            )
            INSERT INTO assessment_publishedblockfield (block_id, code, title, average, "order")
            SELECT p.id, f.code, f.title, averages.average,
                   ROW_NUMBER() OVER (PARTITION BY p.id ORDER BY f."order", f.id) - 1
            FROM assessment_publishedblock p
            JOIN assessment_periodblock pb ON pb.period_id = %(period)s AND pb.block_id = p.block_id
            JOIN assessment_criterion f ON f.framework_id = pb.framework_id AND f.parent_id IS NULL
                AND COALESCE(f.method, '') NOT IN (%(bonus)s, %(penalty)s)
            JOIN (
                SELECT block_id, field_code, ROUND(AVG(ROUND(index, 2)), 2) AS average
                FROM scored GROUP BY block_id, field_code
            ) averages ON averages.block_id = p.block_id AND averages.field_code = f.code
            WHERE p.publication_id = %(publication)s
            ORDER BY p.id, f."order", f.id
            """,  # noqa: S608 (fixed names)
            {"publication": publication_id, "period": period_id, **ADJUSTMENTS},
        )
        # The weakest leaves: the first places among the leaves that lost points (selectors.results.lost_points),
        # placed as assessment.sql.weakest_position_window places them: most hundredths lost first, ties in
        # framework order (lost points are never negative, so the places among the losing leaves alone are theirs).
        # Placed and written by one statement: the window stops at each unit's last wanted place.
        cursor.execute(
            f"""
            INSERT INTO assessment_publishedweakness (result_id, code, title, max_points, points, "order")
            SELECT u.result_id, c.code, c.title, c.max_points, c.max_points - w.cents / 100.0, w.place - 1
            FROM (
                SELECT assessment_id, criterion_id, maximum - points AS cents,
                       ROW_NUMBER() OVER (PARTITION BY assessment_id ORDER BY maximum - points DESC, "order") AS place
                FROM {LEAVES} WHERE maximum > points
            ) w
            JOIN {UNITS} u ON u.assessment_id = w.assessment_id
            JOIN assessment_criterion c ON c.id = w.criterion_id
            WHERE w.place <= %(weakest)s
            ORDER BY u.result_id, w.place
            """,  # noqa: S608 (fixed names)
            {"weakest": weakest},
        )
        cursor.execute(f"DROP TABLE {LEAVES}, {GROUPS}, {UNITS}")
        for setting in PLANNER_SETTINGS:  # the rest of the transaction as before
            cursor.execute(f"RESET {setting}")


def _code_order(column: str) -> str:
    """scoring._code_key for a field code: numbers by value, other codes by their characters."""
    return f"CASE WHEN {column} ~ '^[0-9]+$' THEN {column}::numeric END NULLS LAST, {column} COLLATE \"C\""
