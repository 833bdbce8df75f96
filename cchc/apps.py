from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Project-wide infrastructure: formats, Vietnamese collation, tabular imports."""

    name = "cchc"
    verbose_name = _("CCHC core")

    def ready(self):
        from django.db.backends.signals import connection_created

        from cchc import checks  # noqa: F401 - registers the deployment check of the secret key
        from cchc.admin_icons import install as install_translated_admin_icons
        from cchc.db import register_sqlite_collation
        from cchc.uploads import install as install_upload_name_marking

        connection_created.connect(register_sqlite_collation, dispatch_uid="cchc-vi-collation")
        install_upload_name_marking()  # control characters in uploaded names are refused, not dropped
        install_translated_admin_icons()  # alt="Có"/"Không" on the admin's yes/no icons, not "True"/"False"
        # celery (issue 14): a task's log lines carry the id of the request that started it
        from cchc.request_ids import install_task_signals

        install_task_signals()


class CchcAdminConfig(AdminConfig):
    default_site = "cchc.admin.CchcAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes (failed sign-ins and lockouts) under a Vietnamese name in the admin."""

    verbose_name = _("Sign-in security")
