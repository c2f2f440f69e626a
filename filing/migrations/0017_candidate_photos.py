from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("filing", "0015_revocation_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="photo_encrypted",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="evaluationplan",
            name="photos_waived",
            field=models.BooleanField(default=False, verbose_name="免交照片"),
        ),
    ]
