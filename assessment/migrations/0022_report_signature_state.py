# Issue 15: signed reports are verified by a background job (pending → verified or refused); the rows verified in
# the request before are verified, checked when they were uploaded. The audit trail's events inside a status say
# what they are about: the signed report's events, told apart by their text until now, are marked.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def checked_when_uploaded(apps, schema_editor):
    ReportSignature = apps.get_model("assessment", "ReportSignature")
    ReportSignature.objects.filter(checked_at__isnull=True).update(checked_at=models.F("verified_at"))


def mark_signed_report_events(apps, schema_editor):
    AssessmentEvent = apps.get_model("assessment", "AssessmentEvent")
    inside = AssessmentEvent.objects.filter(from_status=models.F("to_status"))
    for prefix in ("Báo cáo ký số", "Digitally signed report"):
        inside.filter(reason__startswith=prefix).update(kind="signed_report")


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0021_background_imports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='reportsignature',
            name='report_signature_revocation_known',
        ),
        migrations.AddField(
            model_name='reportsignature',
            name='checked_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='verified at'),
        ),
        migrations.AddField(
            model_name='reportsignature',
            name='problems',
            field=models.JSONField(blank=True, default=list, verbose_name='why it was refused'),
        ),
        migrations.AddField(
            model_name='reportsignature',
            name='state',
            field=models.CharField(choices=[('pending', 'verification in progress'), ('verified', 'verified'), ('refused', 'refused')], default='verified', max_length=10, verbose_name='state'),
            preserve_default=False,
        ),
        migrations.RunPython(checked_when_uploaded, migrations.RunPython.noop),
        migrations.AddField(
            model_name='assessmentevent',
            name='kind',
            field=models.CharField(blank=True, choices=[('signed_report', 'signed report')], db_default='', default='', max_length=20, verbose_name='about'),
        ),
        migrations.RunPython(mark_signed_report_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='reportsignature',
            name='document',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assessment.document', verbose_name='signed report (PDF)'),
        ),
        migrations.AlterField(
            model_name='reportsignature',
            name='revocation',
            field=models.CharField(blank=True, choices=[('checked', 'checked: not revoked'), ('offline', 'not checked (offline)'), ('no_address', 'not checked (the certificate names no OCSP/CRL address)')], max_length=12, verbose_name='revocation'),
        ),
        migrations.AlterField(
            model_name='reportsignature',
            name='signatures',
            field=models.JSONField(blank=True, default=list, help_text='Every signature found, as verified.', verbose_name='signatures'),
        ),
        migrations.AlterField(
            model_name='reportsignature',
            name='signer_name',
            field=models.CharField(blank=True, max_length=255, verbose_name='signer'),
        ),
        migrations.AlterField(
            model_name='reportsignature',
            name='trust_root',
            field=models.CharField(blank=True, max_length=200, verbose_name='trust root'),
        ),
        migrations.AlterField(
            model_name='reportsignature',
            name='verified_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='uploaded at'),
        ),
        migrations.AddConstraint(
            model_name='reportsignature',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('revocation__in', ['checked', 'offline', 'no_address']), ('state', 'verified')), models.Q(('revocation', ''), ('state__in', ['pending', 'refused'])), _connector='OR'), name='report_signature_revocation_known'),
        ),
    ]
