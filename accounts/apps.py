from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and units")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.services import role_groups_sync

        # Groups follow the code's role table after every migrate (and after a test flush).
        post_migrate.connect(lambda **kwargs: role_groups_sync(), weak=False, dispatch_uid="accounts-role-groups")
