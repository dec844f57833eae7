from django.urls import path

from chat.api import block_views, report_views, views

urlpatterns = [
    path("conversations", views.ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<int:conversation_id>",
        views.ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<int:conversation_id>/messages",
        views.MessageListView.as_view(),
        name="conversation-messages",
    ),
    path(
        "conversations/<int:conversation_id>/delivered",
        views.DeliveredView.as_view(),
        name="conversation-delivered",
    ),
    path(
        "conversations/<int:conversation_id>/read",
        views.ReadView.as_view(),
        name="conversation-read",
    ),
    path(
        "conversations/<int:conversation_id>/typing",
        views.TypingView.as_view(),
        name="conversation-typing",
    ),
    path("messages/<int:message_id>", views.MessageDetailView.as_view(), name="message-detail"),
    path(
        "messages/<int:message_id>/receipts",
        views.MessageReceiptsView.as_view(),
        name="message-receipts",
    ),
    path("users/<int:user_id>/block", block_views.BlockView.as_view(), name="user-block"),
    path(
        "messages/<int:message_id>/report",
        report_views.MessageReportView.as_view(),
        name="message-report",
    ),
]
