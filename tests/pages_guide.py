"""Help pages in the permission matrix."""

from django.urls import reverse
from matrix import ROLES, page

page("glossary", ROLES, lambda w: reverse("glossary"))
