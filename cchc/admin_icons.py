"""The admin's yes/no/unknown icons say "Có", "Không", "Chưa rõ" to screen readers, not "True" and "False".

Django writes the Python value itself as the icon's text (``alt="True"``), in English whatever the language,
from ``django.contrib.admin.templatetags.admin_list._boolean_icon``; the change lists, the read-only fields and
``display_for_field`` import that name when they run. ``install()``, called from ``CoreConfig.ready()``, points
it at the function below, which draws the same icon with translated text.
"""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val):
    text = {True: _("Yes"), False: _("No"), None: _("Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{ICONS[field_val]}.svg"), text)


def install() -> None:
    admin_list._boolean_icon = boolean_icon
