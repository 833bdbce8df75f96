"""The admin of Home Affairs, the appraisers and the council: frameworks and periods, grading, rounds, audit."""

from assessment.admin import assessments, frameworks, results, scores  # noqa: F401 - registers the admin pages

# reminders (issue 13): the reminder schedule and the record of every reminder sent
from assessment.admin import reminders as _reminders  # noqa: E402, F401
