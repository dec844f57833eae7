import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat.models import Attachment, Message
from groups import actions as group_actions
from tests.chat.essentials import png_bytes, upload
from tests.chat.helpers import direct, events_for
from tests.chat.helpers import send as send_as
from tests.factories import UserFactory
from tests.helpers import client_for, error_of, post_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachment_storage")]


def test_an_image_upload_is_sniffed_stored_and_thumbnailed(alice_client, chat, attachment_storage):
    response = upload(alice_client, chat, png_bytes((640, 480)), name="../../etc/holiday.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "holiday.jpg"  # no path; the extension is the user's, not the type
    assert body["content_type"] == "image/png"
    assert body["width"] == 640 and body["height"] == 480
    assert body["url"] == f"/api/v1/attachments/{body['id']}"
    attachment = Attachment.objects.get()
    assert attachment.message is None and attachment.size == body["size"]
    assert (attachment_storage / attachment.file.name).exists()
    thumbnail = alice_client.get(body["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/webp"


def test_a_file_claiming_to_be_an_image_is_what_its_bytes_say(alice_client, chat):
    body = upload(alice_client, chat, b"#!/bin/sh\necho hi\n", name="cat.png").json()
    assert body["content_type"] == "text/plain" and body["thumbnail_url"] is None
    binary = upload(alice_client, chat, b"\x00\x01\x02 binary", name="x.gif").json()
    assert binary["content_type"] == "application/octet-stream"


def test_an_upload_over_the_limit_is_413_and_stores_nothing(
    alice_client, chat, settings, attachment_storage
):
    settings.ATTACHMENT_MAX_BYTES = 1000
    error = error_of(upload(alice_client, chat, b"x" * 1001, name="big.bin"), 413)
    assert error["code"] == "attachment_too_large"
    assert not Attachment.objects.exists()
    assert not attachment_storage.exists() or not any(attachment_storage.rglob("*.*"))


def test_a_request_far_over_the_limit_is_refused_before_reading(alice_client, chat, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    error = error_of(upload(alice_client, chat, b"y" * 200_000, name="huge.bin"), 413)
    assert error["code"] == "attachment_too_large"


def test_an_upload_without_a_file_is_400(alice_client, chat):
    response = alice_client.post(
        f"/api/v1/conversations/{chat.pk}/attachments", {}, format="multipart"
    )
    assert error_of(response, 400)["fields"] == {"file": ["No file was submitted."]}


def test_an_upload_must_be_multipart(alice_client, chat):
    url = f"/api/v1/conversations/{chat.pk}/attachments"
    assert error_of(alice_client.post(url, {"file": "x"}, format="json"), 415)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [b"--BOUNDARY--\r\n", b"garbage", b"--BOUNDARY\r\nContent-Disposition: form-data\r\n\r\n"],
)
def test_a_malformed_multipart_body_is_a_clean_400(alice_client, chat, payload):
    response = alice_client.generic(
        "POST",
        f"/api/v1/conversations/{chat.pk}/attachments",
        payload,
        content_type="multipart/form-data; boundary=BOUNDARY",
    )
    error_of(response, 400)
    assert not Attachment.objects.exists()


def test_an_outsider_cannot_upload(carol, chat):
    assert error_of(upload(client_for(carol), chat, png_bytes()), 404)
    assert not Attachment.objects.exists()


def test_sending_attachments_puts_them_on_the_message(alice_client, bob_client, bob, chat):
    photo = upload(alice_client, chat, png_bytes()).json()
    notes = upload(alice_client, chat, b"meeting notes", name="notes.txt").json()
    sent = post_message(alice_client, chat, "", attachment_ids=[notes["id"], photo["id"]])
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["body"] == ""
    assert [item["id"] for item in body["attachments"]] == sorted([photo["id"], notes["id"]])
    (event,) = events_for(bob, "message.new")
    assert event["message"]["attachments"] == body["attachments"]
    history = bob_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()
    assert history["results"][-1]["attachments"] == body["attachments"]
    downloaded = bob_client.get(photo["url"])
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == png_bytes()
    assert downloaded["Content-Type"] == "image/png"
    assert downloaded["Content-Disposition"].startswith("inline")
    text = bob_client.get(notes["url"])
    assert (
        text["Content-Disposition"].startswith("attachment")
        and "notes.txt" in text["Content-Disposition"]
    )


def test_the_payload_url_downloads_for_members_and_404s_for_an_outsider(alice_client, carol, chat):
    photo = upload(alice_client, chat, png_bytes()).json()
    post_message(alice_client, chat, "look", attachment_ids=[photo["id"]])
    outsider = client_for(carol)
    assert error_of(outsider.get(photo["url"]), 404)["code"] == "attachment_not_found"
    assert error_of(outsider.get(photo["thumbnail_url"]), 404)


def test_an_unsent_upload_is_only_for_its_uploader(alice_client, bob_client, chat):
    photo = upload(alice_client, chat, png_bytes()).json()
    assert alice_client.get(photo["url"]).status_code == 200
    assert error_of(bob_client.get(photo["url"]), 404)


def test_a_member_who_left_loses_access(alice, bob, carol):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    carol_client = client_for(carol)
    photo = upload(client_for(alice), group.conversation, png_bytes()).json()
    post_message(client_for(alice), group.conversation, "pic", attachment_ids=[photo["id"]])
    assert carol_client.get(photo["url"]).status_code == 200
    group_actions.leave_group(user=carol, group_id=group.pk)
    assert error_of(carol_client.get(photo["url"]), 404)


def test_a_deleted_message_takes_its_files_out_of_reach(alice_client, bob_client, chat):
    photo = upload(alice_client, chat, png_bytes()).json()
    message = post_message(alice_client, chat, "oops", attachment_ids=[photo["id"]]).json()
    alice_client.delete(f"/api/v1/messages/{message['id']}")
    assert error_of(bob_client.get(photo["url"]), 404)


def test_another_users_upload_is_refused_and_nothing_is_sent(alice_client, bob_client, chat):
    bobs = upload(bob_client, chat, png_bytes()).json()
    error = error_of(post_message(alice_client, chat, "mine now", attachment_ids=[bobs["id"]]), 400)
    assert error["code"] == "invalid_attachment"
    assert not Message.objects.exists()
    assert Attachment.objects.get().message is None


def test_an_upload_of_another_conversation_is_refused(alice_client, alice, chat):
    elsewhere = direct(alice, UserFactory())
    other = upload(alice_client, elsewhere, png_bytes()).json()
    error = error_of(post_message(alice_client, chat, "x", attachment_ids=[other["id"]]), 400)
    assert error["code"] == "invalid_attachment"
    assert not Message.objects.exists()


def test_an_attachment_is_sent_once(alice_client, chat):
    photo = upload(alice_client, chat, png_bytes()).json()
    assert post_message(alice_client, chat, "one", attachment_ids=[photo["id"]]).status_code == 201
    error_of(post_message(alice_client, chat, "two", attachment_ids=[photo["id"]]), 400)
    assert Message.objects.count() == 1


def test_unknown_attachment_ids_are_400(alice_client, chat):
    error_of(post_message(alice_client, chat, "x", attachment_ids=[987654]), 400)
    assert not Message.objects.exists()


def test_a_resend_with_attachments_returns_the_first_message(alice_client, chat):
    photo = upload(alice_client, chat, png_bytes()).json()
    payload = {"body": "pic", "client_id": "7d0e1c5e-4c38-4f44-8f0d-3a0b8f0c8a11"}
    payload["attachment_ids"] = [photo["id"]]
    url = f"/api/v1/conversations/{chat.pk}/messages"
    first = alice_client.post(url, payload, format="json")
    again = alice_client.post(url, payload, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["attachments"] == first.json()["attachments"]


def test_an_empty_body_needs_attachments(alice_client, chat):
    error = error_of(post_message(alice_client, chat, ""), 400)
    assert "body" in error["fields"]


def test_the_send_cost_grows_by_one_statement_with_attachments(
    alice_client, chat, django_assert_max_num_queries
):
    with django_assert_max_num_queries(100) as plain:
        post_message(alice_client, chat, "plain")
    photo = upload(alice_client, chat, png_bytes()).json()
    with django_assert_max_num_queries(100) as attached:
        post_message(alice_client, chat, "with a photo", attachment_ids=[photo["id"]])
    assert len(attached.captured_queries) == len(plain.captured_queries) + 1


def test_purge_attachments_removes_old_unsent_uploads_only(alice_client, chat, attachment_storage):
    old_orphan = upload(alice_client, chat, png_bytes()).json()
    old_sent = upload(alice_client, chat, png_bytes()).json()
    post_message(alice_client, chat, "kept", attachment_ids=[old_sent["id"]])
    Attachment.objects.update(created_at=timezone.now() - dt.timedelta(hours=30))
    fresh_orphan = upload(alice_client, chat, png_bytes()).json()
    orphan_files = [
        attachment_storage / name
        for name in Attachment.objects.filter(pk=old_orphan["id"]).values_list("file", "thumbnail")[
            0
        ]
    ]
    call_command("purge_attachments", "--dry-run")
    assert Attachment.objects.count() == 3
    call_command("purge_attachments")
    assert set(Attachment.objects.values_list("id", flat=True)) == {
        old_sent["id"],
        fresh_orphan["id"],
    }
    assert not any(path.exists() for path in orphan_files)
    call_command("purge_attachments", "--older-than", "0")
    assert set(Attachment.objects.values_list("id", flat=True)) == {old_sent["id"]}


def test_with_s3_storage_a_member_is_redirected_to_a_short_lived_signed_url(
    settings, alice, bob_client, chat
):
    settings.ATTACHMENT_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "parley-files",
                "endpoint_url": "https://s3.example.test",
                "region_name": "eu-west-1",
                "access_key": "AKIAEXAMPLE",
                "secret_key": "not-a-real-secret",
                "location": "attachments",
                "querystring_auth": True,
                "querystring_expire": 300,
                "signature_version": "s3v4",
            },
        },
    }
    message = send_as(alice, chat, "see file")
    attachment = Attachment.objects.create(
        conversation=chat,
        uploader=alice,
        message=message,
        file="1/abc",
        name="plan.pdf",
        content_type="application/pdf",
        size=10,
    )
    response = bob_client.get(f"/api/v1/attachments/{attachment.pk}")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://s3.example.test/parley-files/attachments/1/abc?")
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    assert "response-content-disposition=attachment" in location


def test_the_environment_selects_the_s3_storage():
    script = (
        "import json, config.settings as s; a = s.STORAGES['attachments']; "
        "print(json.dumps([a['BACKEND'], a['OPTIONS']['bucket_name'], "
        "a['OPTIONS']['endpoint_url'], a['OPTIONS']['querystring_auth']]))"
    )
    env = {
        **os.environ,
        "ATTACHMENT_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "parley-files",
        "AWS_S3_ENDPOINT_URL": "https://minio.internal:9000",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [
        "storages.backends.s3.S3Storage",
        "parley-files",
        "https://minio.internal:9000",
        True,
    ]
