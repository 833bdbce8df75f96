"""Reads with a rule, one module per face they serve: ``visibility`` (who sees what), ``portal`` (the unit's
pages), ``appraisal`` (the grading queue, the grading page, progress), ``results`` (publications, the year before,
trend, lost points), ``audit`` (the audit trail), ``frameworks`` (frameworks and periods in the admin) and
``insights`` (what a unit could still gain).

Callers import from the face module; this package re-exports nothing."""
