"""Every write on frameworks, periods, assessments, scores and evidence goes through here."""

from assessment.services.evidence import evidence_attach, evidence_remove, evidence_upload
from assessment.services.frameworks import (
    OpenResult,
    framework_activate,
    framework_archive,
    framework_back_to_draft,
    framework_check,
    framework_copy,
    period_check_blocks,
    period_open,
)
from assessment.services.self_assessment import (
    Conflict,
    ConflictError,
    ScoreInput,
    assessment_submit,
    assessment_submit_explanation,
    score_explain,
    score_save,
)

__all__ = [
    "Conflict",
    "ConflictError",
    "OpenResult",
    "ScoreInput",
    "assessment_submit",
    "assessment_submit_explanation",
    "evidence_attach",
    "evidence_remove",
    "evidence_upload",
    "framework_activate",
    "framework_archive",
    "framework_back_to_draft",
    "framework_check",
    "framework_copy",
    "period_check_blocks",
    "period_open",
    "score_explain",
    "score_save",
]
