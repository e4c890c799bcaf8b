"""Attachments of a meeting: upload, download through an access check, delete."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination import access, services
from coordination.access import READERS, RECORDERS
from coordination.forms import AttachmentForm
from coordination.uploads import UploadRefused
from coordination.views.common import attachment_for, meeting_for
from coordination.views.meetings import render_detail
from voters.core.access import role_required

logger = logging.getLogger(__name__)


@require_POST
@role_required(*RECORDERS)
def attachment_upload(request, pk):
    meeting = meeting_for(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.store_attachment(
                meeting=meeting,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                restricted=form.cleaned_data["restricted"],
                user=request.user,
            )
        except UploadRefused as refused:
            form.add_error("file", str(refused))
    if not form.is_valid():
        return render_detail(request, meeting, status=400, attachment_form=form)
    messages.success(request, _("Lampiran disimpan."))
    return redirect(f"{meeting.get_absolute_url()}#lampiran")


@require_GET
@role_required(*READERS)
def attachment_download(request, pk):
    attachment = attachment_for(request, pk)
    if not access.may_download(request.user, attachment):
        services.record_refused_download(attachment=attachment, request=request)
        raise PermissionDenied
    try:
        handle = open(attachment.path, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        logger.error("attachment %s: file %s is missing", attachment.pk, attachment.stored_name)
        raise Http404 from None
    services.record_download(attachment=attachment, request=request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@role_required(*RECORDERS)
def attachment_delete(request, pk):
    attachment = attachment_for(request, pk)
    meeting = attachment.meeting
    services.delete_attachment(attachment=attachment, user=request.user)
    messages.success(request, _("Lampiran dihapus."))
    return redirect(f"{meeting.get_absolute_url()}#lampiran")
