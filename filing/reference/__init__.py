"""Reference data shipped with the code and loaded by migration 0002 / ``manage.py load_reference``."""
