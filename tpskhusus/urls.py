from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tpskhusus.admin_site import with_app_door
from voters.core.twofactor import two_factor
from voters.core.views import LoginView, health

if settings.REQUIRE_2FA:
    from django_otp.admin import OTPAdminSite

    # The admin pages show full NIKs: with REQUIRE_2FA they need a verified second factor too.
    admin.site.__class__ = with_app_door(OTPAdminSite)
else:
    admin.site.__class__ = with_app_door(admin.AdminSite)

admin.site.site_header = "TPS Khusus — Administrasi"
admin.site.site_title = "TPS Khusus"

urlpatterns = [
    path("sehat/", health, name="health"),
    path("masuk/", LoginView.as_view(), name="login"),
    path("dua-langkah/", two_factor, name="two_factor"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("rapat/", include("coordination.urls")),
    path("", include("voters.urls")),
]

handler403 = "voters.core.views.forbidden"
