from assessment.models.evidence import Document, DocumentKind, Evidence, EvidenceRound, evidence_path
from assessment.models.frameworks import (
    ADJUSTMENT_METHODS,
    SCORED_METHODS,
    Criterion,
    Framework,
    FrameworkState,
    Method,
    RuleKind,
    code_validator,
)
from assessment.models.periods import Assessment, AssessmentEvent, AssessmentStatus, Period, PeriodBlock, Score

__all__ = [
    "ADJUSTMENT_METHODS",
    "SCORED_METHODS",
    "Assessment",
    "AssessmentEvent",
    "AssessmentStatus",
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
]
