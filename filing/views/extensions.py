"""Extension points of the domain's pages, filled by other apps from their ``AppConfig.ready`` so that
``filing`` never imports them: figures on the home page, panels on an application's page, and the next
steps each role is shown on the home page."""

from __future__ import annotations

from collections.abc import Callable

#: ``user -> [{"label", "count", "url"}]``: figures on the home page.
SUMMARY_PROVIDERS: list[Callable] = []
#: ``(user, application) -> {"template": ..., **context} | None``: panels on an application's page.
APPLICATION_PANELS: list[Callable] = []
#: role -> [(text, URL name)]: what the role does next, shown on the home page.
NEXT_STEPS: dict[str, list[tuple[str, str | None]]] = {}


def register_summary(provider: Callable) -> Callable:
    if provider not in SUMMARY_PROVIDERS:
        SUMMARY_PROVIDERS.append(provider)
    return provider


def register_application_panel(panel: Callable) -> Callable:
    if panel not in APPLICATION_PANELS:
        APPLICATION_PANELS.append(panel)
    return panel


def register_next_steps(steps: dict[str, list[tuple[str, str | None]]]) -> None:
    for role, entries in steps.items():
        known = NEXT_STEPS.setdefault(role, [])
        known.extend(entry for entry in entries if entry not in known)


def application_panels(user, application) -> list[dict]:
    return [panel for provider in APPLICATION_PANELS if (panel := provider(user, application))]
