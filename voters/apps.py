from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotersConfig(AppConfig):
    name = "voters"
    verbose_name = _("Pemilih WBP")

    def ready(self):
        from . import demo_roster, signals  # noqa: F401

        # The demo's KPU lists are built from the roster's inmates: after demo_roster.
        import_module("voters.demo_lists")
        import_module("voters.demo_reconciliation")
        # The letters' demo deliveries need the demo lists: registered after the other
        # populators of this app (import_module, so that import sorting keeps it last).
        import_module("voters.demo_letters")
