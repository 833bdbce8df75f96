"""Every write on frameworks, periods, assessments, scores and evidence goes through here."""

from assessment.exceptions import AssessmentIncomplete, Conflict, ConflictError, ScoreErrors
from assessment.services.appraisal import (
    GradeInput,
    agency_reassign,
    assessment_approve,
    assessment_finish_round_two,
    assessment_reopen,
    assessment_return,
    scores_grade,
)
from assessment.services.carry_over import assessment_carry_over, score_confirm_carried
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
    ScoreInput,
    assessment_submit,
    assessment_submit_explanation,
    difficulties_save,
    score_explain,
    score_save,
)

__all__ = [
    "GradeInput",
    "agency_reassign",
    "assessment_approve",
    "assessment_finish_round_two",
    "assessment_reopen",
    "assessment_return",
    "scores_grade",
    "difficulties_save",
    "AssessmentIncomplete",
    "ScoreErrors",
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
    # carry over
    "assessment_carry_over",
    "score_confirm_carried",
]
