from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.template import loader

from assessment.outbox import email_queue


class LoginForm(AuthenticationForm):
    """The sign-in form, with the browser hints a phone keyboard needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


# --- people: invited people who never chose a password may also ask for a link ---


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form also e-mails active people without a usable password: those invited by an import whose
    invitation was lost or expired (Django leaves them out, for sites whose passwords live elsewhere)."""

    def get_users(self, email):
        from accounts.models import User

        field = User.get_email_field_name()
        people = User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (person for person in people if auth_forms._unicode_ci_compare(email, getattr(person, field)))


# --- celery: the password-reset e-mail is recorded and sent by a background job, with retries (issue 14) ---
class QueuedPasswordResetForm(PasswordResetForm):  # people's form: invited people may ask too
    """Django's reset form, whose e-mail goes through the outbox; the record is confidential (it holds the link)."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
        email_queue(subject=subject, body=body, recipients=[to_email], html_body=html, confidential=True)
