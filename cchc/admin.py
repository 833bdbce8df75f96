"""The project's admin site and the import/export behaviour every admin page shares."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm, SelectableFieldsExportForm

from cchc.imports import EXPORT_FORMATS, IMPORT_FORMATS, TableFileError, check_import_size


class CchcAdminSite(admin.AdminSite):
    site_header = _("CCHC index administration")
    site_title = _("CCHC index")
    index_title = _("Administration")

    def has_permission(self, request):
        """Staff, and verified by the second factor (accounts/two_factor) in this session."""
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and is_verified is not None and is_verified()

    @login_not_required
    def login(self, request, extra_context=None):
        """A signed-in person who still owes the second factor goes to the code page, not the password form."""
        from accounts.two_factor.middleware import second_factor_pending

        if second_factor_pending(request):
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("two_factor:verify"))
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        """The admin's front page starts with the progress of the current period, with links to the queues."""
        from assessment import policy
        from assessment.models import Period
        from assessment.selectors.appraisal import appraisal_progress, periods_ready_to_publish

        context = dict(extra_context or {})
        if policy.may_publish(request.user):
            context["ready_to_publish"] = periods_ready_to_publish()
        period = Period.objects.filter(opened_at__isnull=False).order_by("-year").first()
        if period is not None and policy.reads_appraisal_progress(request.user):
            agencies, blocks = appraisal_progress(period)
            agencies = [row for row in agencies if policy.reads_agency_work(request.user, row.agency_id)]
            queue = reverse("admin:assessment_score_changelist") + f"?assessment__period__id__exact={period.pk}"
            assessments = reverse("admin:assessment_assessment_changelist") + f"?period__id__exact={period.pk}"
            context["progress"] = {
                "period": period,
                "agencies": agencies,
                "blocks": blocks if policy.reads_provisional_results(request.user) else [],
                "queue": queue,
                "assessments": assessments,
            }
        return super().index(request, context)


class ColumnExportForm(SelectableFieldsExportForm):
    """The export's column choice shows the headers the file will have (Vietnamese)."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


class TableImportForm(ImportForm):
    """The import form refuses a file over IMPORT_MAX_UPLOAD_MB before anything reads it."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_import_size(upload.size)
        except TableFileError as exc:
            raise ValidationError(str(exc)) from exc
        return upload


class TableImportExportAdmin(ImportExportModelAdmin):
    """Imports preview with spreadsheet row numbers and save nothing when any row is invalid."""

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = TableImportForm
    import_template_name = "admin/cchc/import.html"
    export_template_name = "admin/cchc/export.html"
    from_encoding = "utf-8-sig"
    export_form_class = ColumnExportForm

    def get_import_formats(self):
        """The resource's own formats: they carry its row limit (grades and survey results allow more)."""
        formats = getattr(self.resource_classes[0], "import_formats", self.import_formats)
        return [format_class for format_class in formats if format_class().can_import()]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, TableFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_result(self, result, request):
        problems = getattr(result, "problems", [])
        if problems:
            # The data changed between preview and confirmation: nothing was saved.
            for problem in problems:
                messages.error(request, str(problem))
            info = self.get_model_info()
            return HttpResponseRedirect(reverse(f"admin:{info[0]}_{info[1]}_import", current_app=self.admin_site.name))
        return super().process_result(result, request)

    # -- imports above IMPORT_BACKGROUND_ROWS run as background jobs (issue 14) -----------------------------------

    def import_action(self, request, **kwargs):
        """The upload: a file of IMPORT_BACKGROUND_ROWS rows or more is kept in the private storage and its preview
        (every row validated, nothing saved) runs as a background job; the person lands on its progress page and
        confirms there. A smaller file, or one that cannot be read, is previewed in the request as before."""
        if request.method == "POST" and self.has_import_permission(request):
            import_form = self.create_import_form(request)
            if import_form.is_valid():
                queued = self._preview_in_background(request, import_form, **kwargs)
                if queued is not None:
                    return queued
        return super().import_action(request, **kwargs)

    def _preview_in_background(self, request, import_form, **kwargs):
        input_format = self.get_import_formats()[int(import_form.cleaned_data["format"])](encoding=self.from_encoding)
        upload = import_form.cleaned_data["import_file"]
        content = b"".join(upload.chunks())
        try:
            dataset = input_format.create_dataset(content if input_format.is_binary() else content.decode("utf-8-sig"))
        except Exception:  # unreadable, or beyond the format's limits: the request's preview says why, as before
            return None
        if len(dataset) < settings.IMPORT_BACKGROUND_ROWS:
            return None
        _job, response = self._queue_in_background(
            request,
            import_form,
            file_name=upload.name,
            content=content,
            extension=input_format.get_extension(),
            rows_total=len(dataset),
            preview=True,
            **kwargs,
        )
        return response

    def _queue_in_background(self, request, form, *, file_name, content, extension, rows_total, preview, **kwargs):
        """Keep the file in the private storage and queue its job (``preview``: its check only, nothing saved).
        Returns the job and the progress page to land on; or no job and the import page with the store's message
        when the store cannot be reached (nothing queued, nothing kept: the person may try again)."""
        from assessment.services.imports import import_queue
        from assessment.storage import StorageUnavailable

        resource_class = self.choose_import_resource_class(form, request)
        resource_kwargs = self.get_import_resource_kwargs(request, form=form, **kwargs)
        resource_kwargs.pop("form", None)  # the request's form stays here; the job keeps what the resource needs
        try:
            job = import_queue(
                actor=request.user,
                target=self.model._meta.label_lower,
                resource_class=resource_class,
                resource_kwargs=resource_kwargs,
                file_name=file_name,
                content=content,
                extension=extension,
                rows_total=rows_total,
                preview=preview,
            )
        except StorageUnavailable as error:
            messages.error(request, error.messages[0])
            info = self.get_model_info()
            url = reverse(f"admin:{info[0]}_{info[1]}_import", current_app=self.admin_site.name)
            return None, HttpResponseRedirect(url)
        url = reverse("admin:assessment_importjob_progress", args=[job.pk], current_app=self.admin_site.name)
        return job, HttpResponseRedirect(url)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirmation: a file of IMPORT_BACKGROUND_ROWS rows or more is kept in the private storage and
        imported by a background job, and the person lands on its progress page; a smaller one as before."""

        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](encoding=self.from_encoding)
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        data = tmp_storage.read()
        dataset = input_format.create_dataset(data)
        if len(dataset) < settings.IMPORT_BACKGROUND_ROWS:
            result = self.process_dataset(dataset, confirm_form, request, **kwargs)
            tmp_storage.remove()
            return self.process_result(result, request)
        job, response = self._queue_in_background(
            request,
            confirm_form,
            file_name=confirm_form.cleaned_data["original_file_name"],
            content=data if isinstance(data, bytes) else data.encode("utf-8"),
            extension=input_format.get_extension(),
            rows_total=len(dataset),
            preview=False,
            **kwargs,
        )
        if job is not None:
            tmp_storage.remove()
        return response
