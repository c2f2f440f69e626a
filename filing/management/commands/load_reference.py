"""Load or refresh the shipped reference data (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from filing.models import District, Occupation, OccupationLevel, WorkType
from filing.reference.loader import load_districts, load_occupations


class Command(BaseCommand):
    help = "Load Shanghai districts and the occupation catalogue shipped in filing/reference/."

    def handle(self, *args, **options):
        with transaction.atomic():
            districts = load_districts(District)
            occupations = load_occupations(Occupation, WorkType, OccupationLevel)
        self.stdout.write(f"districts: {districts}, occupations: {occupations}")
