"""Django's model backend, reading the user's facility with the user.

Every page of a facility's user names its facility (the top bar, ``access.current_facility``):
loaded with the user on each request, it is one query less per page (issue 19 item 7)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class FacilityModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("facility").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
