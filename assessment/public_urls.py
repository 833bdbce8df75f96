from django.urls import path

from assessment import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.results_index, name="results-index"),
    path("schema/", public_views.results_schema, name="results-schema"),
    path("<int:year>/", public_views.results_period, name="results-period"),
    path("<int:year>/download.<str:file_format>", public_views.results_download, name="results-download"),
    path("<int:year>/<slug:unit_code>/", public_views.results_unit, name="results-unit"),
    # the city's detached signatures of the published data files (issue 15)
    path("<int:year>/signature.<str:file_format>.p7s", public_views.results_signature, name="results-signature"),
]
