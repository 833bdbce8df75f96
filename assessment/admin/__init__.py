"""The admin of Home Affairs, the appraisers and the council: frameworks and periods, grading, rounds, audit."""

from assessment.admin import (  # noqa: F401 - registers the admin pages
    assessments,
    frameworks,
    reminders,  # noqa: F401, E402 - reminders (issue 13): schedule and sends
    results,
    scores,
)
