"""The admin of Home Affairs, the appraisers and the council: frameworks and periods, grading, rounds, audit."""

# celery: the e-mails sent and the background jobs, read by Home Affairs (issue 14)
from assessment.admin import (  # noqa: F401 - registers the admin pages
    assessments,
    frameworks,
    jobs,  # noqa: F401, E402
    results,
    scores,
)
