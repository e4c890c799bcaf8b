from django.urls import path

from . import navigation
from .access import ALL_ROLES
from .views import core

navigation.add("home", "Beranda", ALL_ROLES, order=0)

urlpatterns = [
    path("", core.home, name="home"),
    path("pemilihan/<slug:code>/", core.election_detail, name="election_detail"),
    path("pekerjaan/<slug:key>/<int:pk>/", core.job_progress, name="job_progress"),
]
