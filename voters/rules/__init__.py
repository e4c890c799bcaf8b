"""Pure rules of the domain: no Django import, no database (STYLE.md, "Our layout").

Every other module calls these functions instead of writing the rule again; a query that must
say the same thing in SQL (``InmateQuerySet``) is checked against them by
``tests/test_rules.py``.
"""
