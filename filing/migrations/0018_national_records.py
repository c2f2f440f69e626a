"""The national report stores only its age ciphertext (the file now carries full ID numbers) and one record
per exported row with the national system's answer; plans get their archive and roster-purge dates.

Reports written before this migration held masked numbers only: their content is sealed for the
configured recipients, and records are made for the certificates they still carry."""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models


RECORD_TYPE = {"valid": "新增", "superseded": "更正", "revoked": "撤销"}


def seal_legacy_reports(apps, schema_editor):
    import hashlib

    from filing.sealed import seal

    NationalReport = apps.get_model("filing", "NationalReport")
    NationalRecord = apps.get_model("filing", "NationalRecord")
    Certificate = apps.get_model("filing", "Certificate")
    for report in NationalReport.objects.all().iterator():
        ciphertext = seal(("\ufeff" + report.content).encode("utf-8"))
        report.ciphertext, report.sha256 = ciphertext, hashlib.sha256(ciphertext).hexdigest()
        report.content = ""
        report.save(update_fields=["ciphertext", "sha256", "content"])
        result = "acknowledged" if report.state == "acknowledged" else "reported"
        NationalRecord.objects.bulk_create(
            NationalRecord(
                report=report,
                certificate=c,
                number=c.number,
                version=c.version,
                record_type=RECORD_TYPE.get(c.status, ""),
                result=result,
                answered_at=report.acknowledged_at,
            )
            for c in Certificate.objects.filter(report=report)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("filing", "0017_certificate_photos"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluationplan",
            name="archived_on",
            field=models.DateField(blank=True, null=True, verbose_name="归档日期"),
        ),
        migrations.AddField(
            model_name="evaluationplan",
            name="roster_purged_on",
            field=models.DateField(blank=True, null=True, verbose_name="名册个人信息清除日期"),
        ),
        migrations.AddField(
            model_name="nationalreport",
            name="ciphertext",
            field=models.BinaryField(default=b"", verbose_name="加密文件"),
        ),
        migrations.AddField(
            model_name="nationalreport",
            name="sha256",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="加密文件SHA-256"),
        ),
        migrations.CreateModel(
            name="NationalRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=40, verbose_name="证书编号")),
                ("version", models.PositiveSmallIntegerField(verbose_name="版本")),
                ("record_type", models.CharField(max_length=10, verbose_name="记录类型")),
                (
                    "result",
                    django_fsm.FSMField(
                        choices=[("reported", "已上报"), ("acknowledged", "已确认"), ("rejected", "已退回")],
                        default="reported",
                        max_length=50,
                        protected=True,
                        verbose_name="结果",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="退回原因")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="反馈时间")),
                (
                    "certificate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="national_records",
                        to="filing.certificate",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="filing.nationalreport",
                    ),
                ),
            ],
            options={
                "verbose_name": "全国联网上报记录",
                "verbose_name_plural": "全国联网上报记录",
                "ordering": ["report", "number", "version"],
                "indexes": [
                    models.Index(fields=["number", "version", "result"], name="national_record_answer_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("report", "certificate"), name="uniq_national_record")
                ],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.RunPython(seal_legacy_reports, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="nationalreport",
            name="content",
        ),
    ]
