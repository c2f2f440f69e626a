"""Side effects at the edge: the outbox, e-mail and in-app delivery, reminders. Imports `filing`."""
