"""Merge the researched occupation catalogue (21 occupations, each with its source) into databases created
before it was shipped. Idempotent: the same loader as 0002 and ``manage.py load_reference``."""

from django.db import migrations


def load(apps, schema_editor):
    from filing.reference.loader import load_occupations

    load_occupations(
        apps.get_model("filing", "Occupation"),
        apps.get_model("filing", "WorkType"),
        apps.get_model("filing", "OccupationLevel"),
    )


class Migration(migrations.Migration):
    dependencies = [("filing", "0006_certificates")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
