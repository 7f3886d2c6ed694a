from django.conf import settings
from django.db import models


class Unsubscription(models.Model):
    """A person asked for no more e-mails of one topic."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=60)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"],
                                               name="one_unsubscription_per_topic")]

    def __str__(self) -> str:
        return f"{self.user_id} unsubscribed from {self.topic}"
