"""The messaging platform's stand-in (`standins/messaging.py`), under /nhan-tin/."""

from django.urls import path

from motcua.standins import messaging

urlpatterns = [
    path("nhan-tin/v3.0/oa/message/cs", messaging.message_send, name="messaging-send"),
    path("nhan-tin/hop-thu/", messaging.inbox, name="messaging-inbox"),
    path("nhan-tin/media/", messaging.media_upload, name="messaging-media-upload"),
    path("nhan-tin/media/<str:name>", messaging.media_get, name="messaging-media"),
    path("nhan-tin/gui/", messaging.chat, name="messaging-chat"),
]
