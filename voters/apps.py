import logging

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
        # Signal receivers: login events to the audit trail, the eligibility cache's invalidation.
        from voters.core import signals  # noqa: F401
        from voters.inmates import eligibility  # noqa: F401
