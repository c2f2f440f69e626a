from django.db import migrations

def load(apps, schema_editor):
    from filing.reference.loader import load_evaluation_defaults

    load_evaluation_defaults(apps.get_model("filing", "StaffingRule"), apps.get_model("filing", "EligibilityRule"))


class Migration(migrations.Migration):
    dependencies = [("filing", "0004_evaluations")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
