from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and units")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from accounts.services import role_groups_sync
        from accounts.sessions import session_expiry_on_login
        from accounts.two_factor.middleware import mark_enrolment

        # Groups follow the code's role table after every migrate (and after a test flush).
        post_migrate.connect(lambda **kwargs: role_groups_sync(), weak=False, dispatch_uid="accounts-role-groups")
        user_logged_in.connect(session_expiry_on_login, dispatch_uid="accounts-session-expiry")
        user_logged_in.connect(mark_enrolment, dispatch_uid="accounts-second-factor-enrolment")
