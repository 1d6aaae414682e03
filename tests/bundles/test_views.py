"""The bundles' pages: the list and a bundle (public), the one application (citizens only,
prefilled as the single apply page is), the public tracking by the bundle's code."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.bundles.models import BundleApplication
from motcua.bundles.services import bundle_shape
from motcua.demo.bundles import BIRTH_ANSWERS
from motcua.dossiers.models import Dossier
from motcua.portal.models import StartToken
from tests.bundles.conftest import WARD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(world, *, files: bool = True) -> dict:
    shape = bundle_shape(world.birth)
    data = {
        name: (
            f"{value[8:10]}/{value[5:7]}/{value[:4]}"
            if isinstance(value, str) and len(value) == 10 and value[4] == "-"
            else value
        )
        for name, value in BIRTH_ANSWERS.items()
    }
    for member in shape.members:
        agencies = shape.agencies(member)
        data[f"co_quan_{member.pk}"] = next(
            (a.code for a in agencies if a.code == WARD), agencies[0].code
        )
    if files:
        for slot in shape.documents:
            data[f"tep_{slot.key}"] = SimpleUploadedFile(
                "giay-to.pdf", PDF, content_type="application/pdf"
            )
    return data


def test_the_list_and_the_bundle_are_public(world, client):
    listing = client.get("/lien-thong/")
    detail = client.get(f"/lien-thong/{world.birth.code}/")

    assert listing.status_code == 200
    assert world.birth.name in listing.content.decode()
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Tiếp nhận sau khi có kết quả “Đăng ký khai sinh”" in text
    assert "10.000 đồng" in text


def test_the_procedure_page_links_to_its_bundles(world, client):
    response = client.get("/thu-tuc/1.001193/")

    assert f'href="/lien-thong/{world.birth.code}/"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    response = client.get(f"/lien-thong/{world.birth.code}/nop/")

    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


def test_the_form_is_prefilled_like_the_single_apply_page(world, client):
    client.force_login(world.citizen)

    response = client.get(f"/lien-thong/{world.birth.code}/nop/")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="applicant_full_name" value="Nguyễn Văn An"' in text
    assert "Đã điền sẵn từ CSDL quốc gia về dân cư" in text
    # Asked once: the child's name of the birth and of the insurance card is one field.
    assert text.count('name="child_full_name"') == 1


def test_a_post_missing_documents_is_refused_and_nothing_is_written(world, client):
    client.force_login(world.citizen)

    response = client.post(f"/lien-thong/{world.birth.code}/nop/", _post(world, files=False))

    assert response.status_code == 400
    assert "chưa hồ sơ nào được tạo" in response.content.decode()
    assert Dossier.objects.count() == 0
    assert BundleApplication.objects.count() == 0


def test_a_complete_post_makes_the_bundle_and_anyone_with_the_code_tracks_it(world, client):
    client.force_login(world.citizen)

    response = client.post(f"/lien-thong/{world.birth.code}/nop/", _post(world))

    application = BundleApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lien-thong/tra-cuu/{application.code}/"
    assert application.parts.count() == 3
    mine = client.get(response["Location"]).content.decode()
    assert "10.000 đồng" in mine  # the applicant sees the total to pay
    client.logout()
    public = client.get(f"/lien-thong/tra-cuu/?ma={application.code.lower()}", follow=True)
    text = public.content.decode()
    assert public.status_code == 200
    assert text.count('data-testid="part"') == 3
    assert "Chờ kết quả “Đăng ký khai sinh”" in text
    assert "Nguyễn Văn An" not in text  # never a name on the public page
    assert "10.000 đồng" not in text


def test_an_unknown_code_is_not_found(world, client):
    response = client.get("/lien-thong/tra-cuu/LTKHONGCO/")

    assert response.status_code == 404


# --- the page's one-time start token (as the single apply page's) ---------------------------


def test_posting_the_same_form_twice_makes_one_bundle_and_sends_the_second_to_it(world, client):
    client.force_login(world.citizen)
    url = f"/lien-thong/{world.birth.code}/nop/"
    token = client.get(url).context["start_token"]

    first = client.post(url, {**_post(world), "phieu": token})
    second = client.post(url, {**_post(world), "phieu": token})

    application = BundleApplication.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/lien-thong/tra-cuu/{application.code}/"
    assert Dossier.objects.count() == 3
    assert StartToken.objects.get().dossier == application.parts.first().dossier
    page = client.get(second["Location"]).content.decode()
    assert (
        f"Hồ sơ liên thông {application.code} đã được nộp từ lần gửi trước; lần gửi vừa rồi "
        "không tạo thêm hồ sơ nào." in page
    )


def test_a_token_not_issued_to_this_session_makes_nothing(world, client):
    client.force_login(world.citizen)

    response = client.post(
        f"/lien-thong/{world.birth.code}/nop/", {**_post(world), "phieu": "khong-phai-phieu"}
    )

    assert response.status_code == 400
    assert "Trang nộp hồ sơ này đã hết hạn" in response.content.decode()
    assert response.context["start_token"] in client.session["portal.start_tokens"]
    assert Dossier.objects.count() == 0
    assert BundleApplication.objects.count() == 0
