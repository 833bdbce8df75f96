"""The admin of Home Affairs, the appraisers and the council: frameworks and periods, grading, rounds, audit."""

from assessment.admin import (  # noqa: F401 - registers the admin pages
    assessments,
    frameworks,
    jobs,  # celery: the e-mails sent and the background jobs, read by Home Affairs (issue 14)
    reminders,  # the reminder schedule and the record of every reminder sent (issue 13)
    results,
    scores,
)
