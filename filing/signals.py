"""Domain events. ``filing`` sends them inside the service's transaction; ``workflows`` reacts in the same
transaction (e.g. starts a review process), ``notifications`` writes outbox rows in the same transaction and
delivers after commit. Every signal is sent with ``sender`` = the model class and the keyword arguments
documented here."""

from django.dispatch import Signal

#: A user was given or lost a role. kwargs: membership, actor.
membership_changed = Signal()
