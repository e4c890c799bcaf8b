from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotersConfig(AppConfig):
    name = "voters"
    verbose_name = _("Pemilih WBP")

    def ready(self):
        # Signal receivers: login events to the audit trail, the eligibility cache's invalidation.
        from voters.core import signals  # noqa: F401
        from voters.inmates import eligibility  # noqa: F401
