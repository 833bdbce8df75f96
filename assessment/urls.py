from django.urls import path

from assessment import chase_views, insights_views, signature_views, views

app_name = "assessment"

urlpatterns = [
    path("assessments/", views.assessment_list, name="assessment-list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/fields/<str:field>/", views.section_save, name="section-save"),
    path("assessments/<int:pk>/scores/<int:score_id>/proposal/", views.score_proposal, name="score-proposal"),
    path("assessments/<int:pk>/scores/<int:score_id>/evidence/", views.evidence_add, name="evidence-add"),
    path("assessments/<int:pk>/evidence/<int:evidence_id>/remove/", views.evidence_delete, name="evidence-remove"),
    path("assessments/<int:pk>/summary/", views.assessment_summary, name="assessment-summary"),
    path("assessments/<int:pk>/submit/", views.assessment_submit_view, name="assessment-submit"),
    path("assessments/<int:pk>/explanation/submit/", views.explanation_submit_view, name="explanation-submit"),
    path("assessments/<int:pk>/difficulties/", views.assessment_difficulties, name="assessment-difficulties"),
    path("assessments/<int:pk>/report.pdf", views.assessment_report, name="assessment-report"),
    path("assessments/<int:pk>/results/", views.assessment_results, name="assessment-results"),
    path("assessments/<int:pk>/improvement-plan.xlsx", views.improvement_plan, name="improvement-plan"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    # Insights (issue 16): what if the unit had not lost the points of some criteria.
    path("assessments/<int:pk>/what-if/", insights_views.assessment_what_if, name="assessment-what-if"),
    path("assessments/<int:pk>/plan/", insights_views.assessment_plan, name="assessment-plan"),
    path("assessments/<int:pk>/plan/<str:code>/", insights_views.assessment_plan_item, name="assessment-plan-item"),
    # where a unit stands; start from last year
    path("assessments/<int:pk>/standing/", views.assessment_standing_view, name="assessment-standing"),
    path("assessments/<int:pk>/carry-over/", views.carry_over_view, name="carry-over"),
    path(
        "assessments/<int:pk>/scores/<int:score_id>/confirm-carried/",
        views.carried_confirm_view,
        name="carried-confirm",
    ),
    # digitally signed reports (issue 15)
    path(
        "assessments/<int:pk>/signed-report/",
        signature_views.report_signature_upload_view,
        name="report-signature-upload",
    ),
    # reminders (issue 13): Home Affairs' "who to chase"
    path("chase/", chase_views.chase, name="chase"),
    path("chase.xlsx", chase_views.chase_xlsx, name="chase-xlsx"),
]
