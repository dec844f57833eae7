"""Avatar upload: any common image in, a square AVATAR_SIZE WebP out, served to signed-in users."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db

AVATAR = "/api/v1/auth/me/avatar"


def picture(size=(800, 400), fmt="PNG", colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return SimpleUploadedFile(f"me.{fmt.lower()}", buffer.getvalue(), f"image/{fmt.lower()}")


def test_an_upload_is_cropped_square_and_resized(alice_client, bob_client, alice, settings):
    response = alice_client.put(AVATAR, {"file": picture()}, format="multipart")
    assert response.status_code == 200, response.content
    url = response.json()["avatar_url"]
    assert url.startswith(f"/api/v1/users/{alice.pk}/avatar?v=")
    served = bob_client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (settings.AVATAR_SIZE, settings.AVATAR_SIZE)
    listed = bob_client.get("/api/v1/users", {"search": "alice"}).json()["results"][0]
    assert listed["avatar_url"] == url


def test_a_new_upload_gets_a_new_url(alice_client):
    first = alice_client.put(AVATAR, {"file": picture()}, format="multipart").json()["avatar_url"]
    second = alice_client.put(AVATAR, {"file": picture(fmt="JPEG")}, format="multipart").json()[
        "avatar_url"
    ]
    assert first != second


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.png", b"not an image at all", "image/png"),
        SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
)
def test_something_that_is_not_a_picture_is_a_400(alice_client, alice, upload):
    response = alice_client.put(AVATAR, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_avatar"
    alice.refresh_from_db()
    assert alice.avatar_url is None


def test_an_oversized_upload_is_a_413(alice_client, settings):
    settings.AVATAR_MAX_BYTES = 1000
    response = alice_client.put(AVATAR, {"file": picture(size=(600, 600))}, format="multipart")
    assert response.status_code == 413


def test_a_missing_file_is_a_400(alice_client):
    response = alice_client.put(AVATAR, {}, format="multipart")
    assert "file" in response.json()["error"]["fields"]


def test_removing_the_avatar(alice_client, bob_client, alice):
    url = alice_client.put(AVATAR, {"file": picture()}, format="multipart").json()["avatar_url"]
    assert alice_client.delete(AVATAR).status_code == 204
    assert alice_client.get("/api/v1/auth/me").json()["avatar_url"] is None
    assert bob_client.get(url).status_code == 404


def test_avatars_need_authentication(api_client, alice_client, alice):
    url = alice_client.put(AVATAR, {"file": picture()}, format="multipart").json()["avatar_url"]
    assert api_client.get(url).status_code == 401
    assert api_client.put(AVATAR, {"file": picture()}, format="multipart").status_code == 401
