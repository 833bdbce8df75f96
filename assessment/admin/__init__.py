"""The admin of Home Affairs, the appraisers and the council: frameworks and periods, grading, rounds, audit."""

from assessment.admin import assessments, frameworks, results, scores  # noqa: F401 - registers the admin pages
