"""Two-factor login (TOTP) for roles that see full NIKs, when the deployment requires it."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from voters.core import audit
from voters.core.access import ALL_ROLES, role_required
from voters.core.params import local_url
from voters.models import AuditEvent


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Kode 6 digit dari aplikasi autentikator"),
                            max_length=8, widget=forms.TextInput(
                                attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def _next(request):
    return local_url(request, request.POST.get("next") or request.GET.get("next")) or "/"


@role_required(*ALL_ROLES)
def two_factor(request):
    """Set up a TOTP device the first time, then verify a code at each login."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or \
            TOTPDevice.objects.create(user=user, name="autentikator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Verifikasi dua langkah berhasil."))
            return redirect(_next(request))
        form.add_error("token", _("Kode salah atau sudah dipakai. Coba kode berikutnya."))
        audit.record(AuditEvent.Action.LOGIN_FAILED, request=request, result="failed",
                     summary="kode dua langkah salah atau dipakai ulang")
    context = {"form": form, "setting_up": setting_up, "next": _next(request)}
    if setting_up:
        context["secret"] = _base32(device.bin_key)
        context["config_url"] = device.config_url
    return render(request, "registration/two_factor.html", context)


def _base32(key):
    import base64

    return base64.b32encode(key).decode().rstrip("=")
