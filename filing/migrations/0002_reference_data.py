from django.db import migrations


def load(apps, schema_editor):
    from filing.reference.loader import load_districts, load_occupations

    load_districts(apps.get_model("filing", "District"))
    load_occupations(
        apps.get_model("filing", "Occupation"),
        apps.get_model("filing", "WorkType"),
        apps.get_model("filing", "OccupationLevel"),
    )
    apps.get_model("filing", "AuditChainHead").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("filing", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
