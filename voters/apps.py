import logging
from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def check_defusedxml():
    """openpyxl parses XML with defusedxml only when that is installed (SECURITY.md check 11):
    say so loudly when it is not. Run where openpyxl is first imported (exports.write_xlsx, its
    only user: workbooks are read by python-calamine), not at every start-up, which it would
    slow by 0.07 s (bench/README.md)."""
    import openpyxl

    if getattr(openpyxl, "DEFUSEDXML", False) is not True:
        logger.error("openpyxl runs without defusedxml: XML entity attacks in workbooks are not "
                     "refused by the parser; install defusedxml (requirements.txt)")
        return False
    return True


class VotersConfig(AppConfig):
    name = "voters"
    verbose_name = _("Pemilih WBP")

    def ready(self):
        from . import demo_roster, eligibility, signals  # noqa: F401

        # The demo's KPU lists are built from the roster's inmates: after demo_roster.
        import_module("voters.demo_lists")
        import_module("voters.demo_reconciliation")
        # The letters' demo deliveries need the demo lists: registered after the other
        # populators of this app (import_module, so that import sorting keeps it last).
        import_module("voters.demo_letters")
