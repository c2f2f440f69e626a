"""The domain: organisations, reference data, filing applications, evaluation bodies, plans, candidates,
certificates. `filing` imports neither `workflows` nor `notifications`; it announces events through the
signals declared in :mod:`filing.signals`."""
