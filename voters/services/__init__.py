"""Every write goes through a service function here (STYLE.md): atomic, audited."""
