from assessment.models.assessments import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    ChangeReason,
    GradeRound,
    Score,
)
from assessment.models.carry_over import CarryOver
from assessment.models.council import CouncilAnswer, CouncilReview
from assessment.models.evidence import Document, DocumentKind, Evidence, EvidenceRound, evidence_path
from assessment.models.frameworks import (
    ADJUSTMENT_METHODS,
    CRITERION_FIELDS,
    SCORED_METHODS,
    Criterion,
    Framework,
    FrameworkState,
    Method,
    RuleKind,
    code_validator,
)
from assessment.models.jobs import EmailSend, EmailState, ImportJob, ImportState, Job, JobState
from assessment.models.periods import Period, PeriodBlock
from assessment.models.plans import ImprovementItem, PlanStatus
from assessment.models.reminders import ReminderSchedule, ReminderSend, ReminderWindow
from assessment.models.results import (
    Adjustment,
    EarlierResult,
    Publication,
    PublicationFile,
    PublishedBlock,
    PublishedBlockField,
    PublishedField,
    PublishedUnit,
    PublishedWeakness,
    SurveyScore,
)

__all__ = [
    "ImportJob",
    "ImportState",
    "ImprovementItem",
    "PlanStatus",
    "CouncilAnswer",
    "CouncilReview",
    "Adjustment",
    "EarlierResult",
    "Publication",
    "PublicationFile",
    "PublishedBlock",
    "PublishedBlockField",
    "PublishedField",
    "PublishedUnit",
    "PublishedWeakness",
    "SurveyScore",
    "ADJUSTMENT_METHODS",
    "CRITERION_FIELDS",
    "SCORED_METHODS",
    "Assessment",
    "AssessmentEvent",
    "AssessmentStatus",
    "ChangeReason",
    "GradeRound",
    "Criterion",
    "Document",
    "DocumentKind",
    "Evidence",
    "EvidenceRound",
    "Framework",
    "FrameworkState",
    "Method",
    "Period",
    "PeriodBlock",
    "RuleKind",
    "Score",
    "code_validator",
    "evidence_path",
    # carry over
    "CarryOver",
    # celery: background jobs and the e-mails record (issue 14)
    "EmailSend",
    "EmailState",
    "Job",
    "JobState",
    # reminders
    "ReminderSchedule",
    "ReminderSend",
    "ReminderWindow",
]

# -- digitally signed reports (issue 15) --
from assessment.models.signatures import (  # noqa: E402
    PublicationSignature,
    ReportSignature,
    RevocationCheck,
    SignatureState,
    TrustedCertificate,
)

__all__ += ["PublicationSignature", "ReportSignature", "RevocationCheck", "SignatureState", "TrustedCertificate"]
