"""Model choices made from the rules' enums (issue 14: one enum per meaning).

The values and their order are written once, in voters/rules/ (pure, no Django); a model's
``TextChoices`` takes them from there and adds only the translated labels. A member added to a
rule's enum without a label here fails at import, before a page could show a bare code.
"""

from collections.abc import Mapping
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voters.rules.eligibility import Marital as MaritalRule
from voters.rules.eligibility import Sex as SexRule


def text_choices(
    name: str, rule: type[StrEnum], labels: Mapping[StrEnum, Promise | str], *, module: str
) -> type[models.TextChoices]:
    """A ``TextChoices`` named ``name`` with ``rule``'s members (names, values, order) and
    ``labels``; ``module`` is where it is declared (for pickling and reprs)."""
    missing = [member.name for member in rule if member not in labels]
    if missing:
        raise KeyError(f"{name}: no label for {', '.join(missing)}")
    return models.TextChoices(
        name, [(member.name, (member.value, labels[member])) for member in rule], module=module
    )


Sex = text_choices(
    "Sex",
    SexRule,
    {SexRule.L: _("Laki-laki"), SexRule.P: _("Perempuan")},
    module=__name__,
)

Marital = text_choices(
    "Marital",
    MaritalRule,
    {
        MaritalRule.BELUM: _("Belum kawin"),
        MaritalRule.SUDAH: _("Kawin"),
        MaritalRule.PERNAH: _("Pernah kawin"),
    },
    module=__name__,
)
