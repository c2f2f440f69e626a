"""Services: every write goes through one of these (``entity_verb(*, actor, ...)``, atomic, audited)."""
