from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from voters.views.core import LoginView, health

admin.site.site_header = "TPS Khusus — Administrasi"
admin.site.site_title = "TPS Khusus"

urlpatterns = [
    path("sehat/", health, name="health"),
    path("masuk/", LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("rapat/", include("coordination.urls")),
    path("", include("voters.urls")),
]

handler403 = "voters.views.core.forbidden"
