"""Root URLconf: the admin, login, the viewflow site (home and flows)."""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from filing.views.home import HomeView
from filing.views.language import switch_language

site = Site(
    title=_("上海市技能评价备案"),
    viewsets=[
        Application(
            app_name="home",
            icon="home",
            title=_("首页"),
            menu_template_name=None,
            urlpatterns=[path("", HomeView.as_view(), name="index")],
        ),
    ],
)

urlpatterns = [
    path("i18n/zh-hans/", switch_language, {"code": "zh-hans"}, name="set_language_zh"),
    path("i18n/en/", switch_language, {"code": "en"}, name="set_language_en"),
    path("admin/", admin.site.urls),
    path("accounts/", AuthViewset(allow_password_change=True).urls),
    path("", site.urls),
]
