"""``{% site_menu as groups %}``: the menu of ``filing.menu`` for the current user and path."""

from django import template

from filing.menu import entries_for

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    if request is None:
        return []
    return entries_for(request.user, request.path)
