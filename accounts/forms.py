from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from assessment.outbox import email_queue


class LoginForm(AuthenticationForm):
    """The sign-in form, with the browser hints a phone keyboard needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


# --- celery: the password-reset e-mail is recorded and sent by a background job, with retries (issue 14) ---
class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose e-mail goes through the outbox; the record is confidential (it holds the link)."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
        email_queue(subject=subject, body=body, recipients=[to_email], html_body=html, confidential=True)
