from django.urls import path

from chat.api import block_views, essentials_views, report_views, views

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
    path(
        "messages/<int:message_id>/reactions",
        essentials_views.ReactionListView.as_view(),
        name="message-reactions",
    ),
    path(
        "messages/<int:message_id>/reactions/<str:emoji>",
        essentials_views.ReactionView.as_view(),
        name="message-reaction",
    ),
    path(
        "conversations/<int:conversation_id>/attachments",
        essentials_views.AttachmentUploadView.as_view(),
        name="conversation-attachments",
    ),
    path(
        "attachments/<int:attachment_id>",
        essentials_views.AttachmentFileView.as_view(),
        name="attachment-file",
    ),
    path(
        "attachments/<int:attachment_id>/thumbnail",
        essentials_views.AttachmentThumbnailView.as_view(),
        name="attachment-thumbnail",
    ),
    path("search/messages", essentials_views.MessageSearchView.as_view(), name="message-search"),
    path("users/<int:user_id>/block", block_views.BlockView.as_view(), name="user-block"),
    path(
        "messages/<int:message_id>/report",
        report_views.MessageReportView.as_view(),
        name="message-report",
    ),
]
