"""An attachment's file goes when its row goes (deleted in a view, the admin or by cascade)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from coordination.models import Attachment


@receiver(post_delete, sender=Attachment)
def remove_attachment_file(sender, instance, **kwargs):
    path = instance.path
    # After commit: a rolled-back delete must keep its file.
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
