"""Applying online: prefilled form, drafts, attachments (sniffed, size-limited, reused),
submission and its confirmation, and who may do what."""

# Fixtures are imported from apply_fixtures, so pytest sees them; ruff reads that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.models import RequiredDocument
from motcua.directory.models import Role
from motcua.dossiers.models import Channel, Dossier, DossierDocument, DossierEvent, State
from motcua.integration.registry import RegistryUnavailable
from motcua.portal.models import StartToken
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    staff,
)
from tests.portal.apply_fixtures import (  # noqa: F401
    EXE,
    PDF,
    PNG,
    _media,
    birth,
    earlier,
    form_post,
    known_citizen,
    online_draft,
    upload,
)

pytestmark = pytest.mark.django_db

URL = "/thu-tuc/1.001193/nop/"


def certificate(birth):
    return birth.documents.get(position=2)


@pytest.fixture
def signed_in(client, known_citizen):
    client.force_login(known_citizen)
    return client


# --- who may apply ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_back(client, birth):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=/thu-tuc/1.001193/nop/"


def test_staff_without_a_personal_id_cannot_apply(client, birth, agency):
    client.force_login(staff(Role.RECEPTION, agency, username="canbo_mc"))
    response = client.post(URL, form_post(birth))
    assert response.status_code == 403
    assert "Chỉ tài khoản công dân" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_procedure_without_online_service_has_no_form(signed_in, agency):
    ProcedureFactory(code="2.000884", online="none", agencies=[agency])
    assert signed_in.get("/thu-tuc/2.000884/nop/").status_code == 404


def test_the_procedure_page_offers_online_submission(client, birth, agency):
    ProcedureFactory(code="2.000884", online="none", agencies=[agency])
    assert 'href="/thu-tuc/1.001193/nop/"' in client.get("/thu-tuc/1.001193/").content.decode()
    assert "Nộp trực tuyến" not in client.get("/thu-tuc/2.000884/").content.decode()


# --- the prefilled form ----------------------------------------------------------------------


def test_the_form_is_prefilled_and_says_from_where(
    signed_in, birth, earlier, django_assert_max_num_queries
):
    # + the session saved with the form's one-time token (an UPDATE in a savepoint)
    with django_assert_max_num_queries(12):
        response = signed_in.get(URL)
    assert response.status_code == 200
    fields = {
        v.name: (v.value, v.prefilled)
        for section in response.context["sections"]
        for v in section["fields"]
    }
    assert fields["applicant_full_name"] == (
        "Nguyễn Văn An",
        "Đã điền sẵn từ CSDL quốc gia về dân cư",
    )
    assert fields["applicant_birth_date"] == (
        "12/04/1985",
        "Đã điền sẵn từ CSDL quốc gia về dân cư",
    )
    assert fields["applicant_personal_id"] == (
        "046085001234",
        "Đã điền sẵn từ tài khoản của bạn",
    )
    # The earlier dossier's mother (Lê Thị Hồng) is the mother of another child: her
    # particulars belong to that registration and are not offered for this one. The mother
    # offered is the wife the registry links to An, from her own registry record.
    assert fields["mother_full_name"] == (
        "Trần Thị Bình",
        "Đã điền sẵn từ CSDL quốc gia về dân cư",
    )
    assert fields["mother_birth_date"] == (
        "03/09/1992",
        "Đã điền sẵn từ CSDL quốc gia về dân cư",
    )
    # A man registering a birth is presumed the father (the father's fields are his), and
    # the form says so for him to change.
    assert fields["applicant_relationship"] == ("cha", "Giá trị thường dùng, sửa nếu cần")
    assert fields["copies"] == ("1", "Giá trị thường dùng, sửa nếu cần")
    assert fields["child_full_name"] == ("", "")
    # Applicant 7, the father (An) 6, the mother 6, the child's ethnicity and nationality,
    # the relationship and the number of copies.
    assert response.context["prefilled_count"] == 23
    text = response.content.decode()
    assert text.count('data-testid="prefilled"') == 23
    assert "Lê Thị Hồng" not in text
    # The declaration is the e-form itself; only the birth certificate is asked for.
    assert "tờ khai điện tử ở trên thay cho giấy tờ này" in text


def test_the_agency_is_preselected_from_the_registry_address(signed_in, known_citizen):
    wards = [
        AgencyFactory(code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune"),
        AgencyFactory(code="000.50.04.H46", name="UBND phường An Cựu", level="commune"),
    ]
    ProcedureFactory(code="1.000656", agencies=wards)
    response = signed_in.get("/thu-tuc/1.000656/nop/")
    assert response.context["agency"] == wards[0]


# --- drafts ----------------------------------------------------------------------------------


def test_save_a_draft_then_come_back_to_it(
    signed_in, birth, agency, known_citizen, django_assert_max_num_queries
):
    response = signed_in.post(
        URL,
        {
            **form_post(birth, action="luu_nhap"),
            "child_birth_date": "",
            "copies": "",
            f"tep_{certificate(birth).pk}": upload(),
        },
    )
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/nop-ho-so/{dossier.reference}/"
    assert reverse("portal:apply_draft", args=[dossier.reference]) == response["Location"]
    assert dossier.state == State.DRAFT
    assert dossier.channel == Channel.ONLINE
    assert dossier.applicant == known_citizen
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert dossier.applicant_id_number == "046085001234"
    assert dossier.registry_used is True
    assert dossier.form_data["child_full_name"] == "Nguyễn Minh Anh"
    assert dossier.form_data["mother_birth_date"] == "1990-02-20"
    assert "child_birth_date" not in dossier.form_data
    assert list(dossier.events.values_list("action", flat=True)) == [
        "create",
        "form_save",
        "attach",
    ]
    with django_assert_max_num_queries(12):
        resumed = signed_in.get(response["Location"])
    assert resumed.status_code == 200
    values = {v.name: v.value for s in resumed.context["sections"] for v in s["fields"]}
    assert values["child_full_name"] == "Nguyễn Minh Anh"
    assert values["child_birth_date"] == ""
    assert 'data-testid="attached"' in resumed.content.decode()

    # Completed and submitted from the draft page.
    response = signed_in.post(
        response["Location"], {**form_post(birth), "phien_ban": str(dossier.version)}
    )
    dossier.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/nop-ho-so/{dossier.reference}/da-nop/"
    assert dossier.state == State.SUBMITTED
    assert dossier.reference.startswith("TN-")
    assert dossier.form_data["child_birth_date"] == "2026-02-03"
    assert dossier.form_data["copies"] == 2
    # A submitted dossier's draft page leads to its confirmation.
    assert signed_in.get(f"/nop-ho-so/{dossier.reference}/")["Location"] == (
        f"/nop-ho-so/{dossier.reference}/da-nop/"
    )


def test_a_stale_draft_page_does_not_overwrite_a_newer_save(signed_in, birth):
    signed_in.post(URL, form_post(birth, action="luu_nhap"))
    dossier = Dossier.objects.get()
    stale = dossier.version
    signed_in.post(
        f"/nop-ho-so/{dossier.reference}/",
        {**form_post(birth, action="luu_nhap", child_full_name="Tên mới"), "phien_ban": stale},
    )
    response = signed_in.post(
        f"/nop-ho-so/{dossier.reference}/",
        {**form_post(birth, action="luu_nhap", child_full_name="Tên cũ"), "phien_ban": stale},
    )
    assert response.status_code == 409
    dossier.refresh_from_db()
    assert dossier.form_data["child_full_name"] == "Tên mới"


# --- submission ------------------------------------------------------------------------------


def test_submit_at_once_gives_a_reference_and_state_submitted(signed_in, birth):
    response = signed_in.post(URL, {**form_post(birth), f"tep_{certificate(birth).pk}": upload()})
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/nop-ho-so/{dossier.reference}/da-nop/"
    assert dossier.state == State.SUBMITTED
    assert dossier.submitted_at is not None
    assert list(dossier.events.values_list("action", flat=True)) == [
        "create",
        "form_save",
        "attach",
        "submit",
    ]


def test_schema_errors_are_shown_next_to_their_fields_and_nothing_is_written(signed_in, birth):
    response = signed_in.post(
        URL,
        {
            **form_post(birth),
            "child_full_name": "",
            "child_birth_date": "31/02/2026",
            "applicant_personal_id": "12345",
            f"tep_{certificate(birth).pk}": upload(),
        },
    )
    assert response.status_code == 400
    errors = {v.name: v.error for s in response.context["sections"] for v in s["fields"] if v.error}
    assert errors == {
        "applicant_personal_id": "Không đúng định dạng: 12 chữ số.",
        "child_full_name": "Phải điền “Họ, chữ đệm và tên”.",
        "child_birth_date": "Ngày không hợp lệ; hãy viết theo dạng dd/mm/yyyy.",
    }
    assert response.context["summary"][1] == (
        "f_child_full_name",
        "Người được khai sinh — Họ, chữ đệm và tên",
        "Phải điền “Họ, chữ đệm và tên”.",
    )
    text = response.content.decode()
    assert 'id="e_child_birth_date"' in text
    assert 'value="31/02/2026"' in text
    assert Dossier.objects.count() == 0
    assert DossierDocument.objects.count() == 0


def test_missing_required_documents_block_submission_with_a_list(signed_in, birth):
    RequiredDocumentFactory(procedure=birth, position=4, name="Giấy tờ tùy thân")
    response = signed_in.post(URL, form_post(birth))
    assert response.status_code == 400
    identity = birth.documents.get(position=4)
    assert response.context["summary"] == [
        (f"tep_{certificate(birth).pk}", "Giấy chứng sinh", "Chưa đính kèm giấy tờ bắt buộc này."),
        (f"tep_{identity.pk}", "Giấy tờ tùy thân", "Chưa đính kèm giấy tờ bắt buộc này."),
    ]
    assert f'<a href="#tep_{identity.pk}">Giấy tờ tùy thân</a>' in response.content.decode()
    assert Dossier.objects.count() == 0


def test_the_service_refuses_a_draft_missing_documents_whatever_the_page_did(
    known_citizen, birth, agency
):
    from motcua.core.errors import ValidationFailed
    from motcua.dossiers.services import dossier_online_submit

    dossier = online_draft(known_citizen, birth, agency, form_data={"child_full_name": "A"})
    with pytest.raises(ValidationFailed) as error:
        dossier_online_submit(actor=known_citizen, dossier=dossier)
    assert error.value.code == "form_invalid"
    dossier.refresh_from_db()
    assert dossier.state == State.DRAFT


# --- attachments -----------------------------------------------------------------------------


def test_a_png_named_pdf_is_stored_as_png(signed_in, birth):
    signed_in.post(
        URL, {**form_post(birth), f"tep_{certificate(birth).pk}": upload(PNG, "chung-sinh.pdf")}
    )
    document = DossierDocument.objects.get()
    assert (document.name, document.content_type, document.size) == (
        "chung-sinh.pdf",
        "image/png",
        72,
    )
    assert document.kind == DossierDocument.Kind.SUBMITTED
    assert document.required_document == certificate(birth)


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_written(signed_in, birth):
    response = signed_in.post(
        URL, {**form_post(birth), f"tep_{certificate(birth).pk}": upload(EXE, "chung-sinh.pdf")}
    )
    assert response.status_code == 400
    assert response.context["summary"] == [
        (
            f"tep_{certificate(birth).pk}",
            "Giấy chứng sinh",
            "Tệp “chung-sinh.pdf” không phải PDF, JPEG hoặc PNG (nội dung tệp được kiểm tra, "
            "không dựa vào tên tệp).",
        )
    ]
    assert Dossier.objects.count() == 0
    assert DossierDocument.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(signed_in, birth, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 2 * 1048576
    big = PDF + b"0" * (2 * 1048576)
    response = signed_in.post(
        URL,
        {**form_post(birth, action="luu_nhap"), f"tep_{certificate(birth).pk}": upload(big)},
    )
    assert response.status_code == 400
    assert response.context["summary"] == [
        (
            f"tep_{certificate(birth).pk}",
            "Giấy chứng sinh",
            "Tệp “giay-chung-sinh.pdf” dung lượng 2.0 MB, vượt giới hạn 2 MB.",
        )
    ]
    assert Dossier.objects.count() == 0


def test_reuse_a_result_from_the_data_store_instead_of_uploading(
    signed_in, birth, earlier, known_citizen
):
    result = DossierDocument(
        dossier=earlier,
        kind=DossierDocument.Kind.RESULT,
        name="trich-luc-khai-sinh.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=timezone.now(),
    )
    result.file.save("ket-qua", ContentFile(PDF), save=False)
    result.save()
    # Only issued results are in the store: the earlier dossier stands for one returned.
    Dossier.objects.filter(pk=earlier.pk).update(state=State.RETURNED)
    # The birth certificate slot takes birth-registration results; the declaration's slot is
    # covered by the e-form and offers nothing.
    RequiredDocument.objects.filter(pk=certificate(birth).pk).update(
        accepts_results_of=[birth.code]
    )
    page = signed_in.get(URL)
    offered = {row["document"].pk: [s.pk for s in row["sources"]] for row in page.context["rows"]}
    assert offered[certificate(birth).pk] == [result.pk]
    assert [pk for pk, sources in offered.items() if sources] == [certificate(birth).pk]
    response = signed_in.post(
        URL, {**form_post(birth), f"dung_lai_{certificate(birth).pk}": str(result.pk)}
    )
    assert response.status_code == 302
    dossier = Dossier.objects.exclude(pk=earlier.pk).get()
    assert dossier.state == State.SUBMITTED
    assert dossier.reused_data is True
    reused = dossier.documents.get()
    assert (reused.reused_from, reused.required_document, reused.content_type) == (
        result,
        certificate(birth),
        "application/pdf",
    )


def test_a_result_of_another_kind_posted_for_a_slot_is_refused(signed_in, birth, earlier):
    result = DossierDocument(
        dossier=earlier,
        kind=DossierDocument.Kind.RESULT,
        name="giay-chung-nhan-ket-hon.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=timezone.now(),
    )
    result.file.save("ket-qua", ContentFile(PDF), save=False)
    result.save()
    Dossier.objects.filter(pk=earlier.pk).update(state=State.RETURNED)
    # The birth certificate takes marriage-registration results only: this one does not fit.
    RequiredDocument.objects.filter(pk=certificate(birth).pk).update(
        accepts_results_of=["1.000894"]
    )
    page = signed_in.get(URL)
    assert [row["sources"] for row in page.context["rows"]] == [[], [], []]
    assert 'data-testid="reuse"' not in page.content.decode()

    response = signed_in.post(
        URL, {**form_post(birth), f"dung_lai_{certificate(birth).pk}": str(result.pk)}
    )

    assert response.status_code == 400
    row = next(r for r in response.context["rows"] if r["document"] == certificate(birth))
    assert row["error"] == (
        "Kết quả đã chọn không phải loại giấy tờ này; hãy chọn kết quả phù hợp hoặc tải tệp lên."
    )
    assert list(Dossier.objects.values_list("pk", flat=True)) == [earlier.pk]


def test_each_file_input_is_labelled_with_its_document(signed_in, birth):
    text = signed_in.get(URL).content.decode()
    document = certificate(birth)
    assert (
        f'<label for="tep_{document.pk}">Tải tệp lên<span class="sr-only">: Giấy chứng sinh'
        "</span></label>"
    ) in text


# --- someone else's draft --------------------------------------------------------------------


def test_another_citizen_cannot_open_or_submit_someone_elses_draft(client, birth, known_citizen):
    client.force_login(known_citizen)
    client.post(URL, form_post(birth, action="luu_nhap"))
    dossier = Dossier.objects.get()
    before = (dossier.version, dossier.form_data, DossierEvent.objects.count())
    client.force_login(CitizenFactory(username="046192005678", personal_id="046192005678"))
    url = f"/nop-ho-so/{dossier.reference}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {**form_post(birth), "child_full_name": "X"}).status_code == 404
    assert client.get(f"{url}da-nop/").status_code == 404
    dossier.refresh_from_db()
    assert (dossier.version, dossier.form_data, DossierEvent.objects.count()) == before
    assert dossier.state == State.DRAFT


def test_the_agencys_counter_cannot_use_the_citizens_draft_page(client, birth, agency):
    owner = CitizenFactory(username="046192005678", personal_id="046192005678")
    client.force_login(owner)
    client.post(URL, form_post(birth, action="luu_nhap"))
    dossier = Dossier.objects.get()
    officer = staff(Role.RECEPTION, agency, username="tiepnhan_x", personal_id="001090000077")
    client.force_login(officer)
    assert client.post(f"/nop-ho-so/{dossier.reference}/", form_post(birth)).status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == State.DRAFT


# --- the confirmation ------------------------------------------------------------------------


def test_the_confirmation_shows_the_reference_next_steps_and_payment(
    signed_in, birth, django_assert_max_num_queries
):
    FeeLineFactory(procedure=birth, name="Lệ phí cấp bản sao trích lục", amount=8000)
    signed_in.post(URL, {**form_post(birth), f"tep_{certificate(birth).pk}": upload()})
    dossier = Dossier.objects.get()
    with django_assert_max_num_queries(8):
        response = signed_in.get(f"/nop-ho-so/{dossier.reference}/da-nop/")
    text = response.content.decode()
    assert f'data-testid="reference">{dossier.reference}<' in text
    assert "Đã nộp trực tuyến, chờ tiếp nhận" in text
    assert "8.000 đồng" in text
    assert "Thời hạn giải quyết: 1 ngày làm việc" in text
    assert response.context["pay_url"] == f"/thanh-toan/{dossier.reference}/"
    assert "Thanh toán ngay" in text


def test_no_payment_button_without_a_fee(signed_in, birth):
    signed_in.post(URL, {**form_post(birth), f"tep_{certificate(birth).pk}": upload()})
    dossier = Dossier.objects.get()
    response = signed_in.get(f"/nop-ho-so/{dossier.reference}/da-nop/")
    assert dossier.fee_amount == 0
    assert "Thanh toán ngay" not in response.content.decode()


def test_numbers_are_read_the_vietnamese_way(signed_in, birth):
    from motcua.catalog.eforms import eform_of
    from motcua.portal.eforms import answers_from_post, form_fields

    fields = form_fields(eform_of(birth))
    assert answers_from_post(fields, {"copies": "2"})["copies"] == 2
    assert answers_from_post(fields, {"copies": "1.000"})["copies"] == 1000
    assert answers_from_post(fields, {"copies": "2,5"})["copies"] == "2,5"
    assert answers_from_post(fields, {"copies": "nan"})["copies"] == "nan"
    assert answers_from_post(fields, {"copies": "hai"})["copies"] == "hai"


def test_a_procedure_without_eform_gets_the_generic_form(signed_in, agency, known_citizen):
    procedure = ProcedureFactory(code="1.003512", name="Cấp giấy phép bưu chính", agencies=[agency])
    declaration = RequiredDocumentFactory(procedure=procedure, position=1, name="Đơn đề nghị")
    page = signed_in.get("/thu-tuc/1.003512/nop/")
    assert page.status_code == 200
    assert page.context["prefilled_count"] == 7
    assert "chưa có tờ khai điện tử riêng" in page.content.decode()
    answers = {v.name: v.value for s in page.context["sections"] for v in s["fields"]}
    response = signed_in.post(
        "/thu-tuc/1.003512/nop/",
        {**answers, "co_quan": agency.code, "hanh_dong": "nop", f"tep_{declaration.pk}": upload()},
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.state == State.SUBMITTED
    assert dossier.form_data == {
        "applicant_full_name": "Nguyễn Văn An",
        "applicant_birth_date": "1985-04-12",
        "applicant_sex": "nam",
        "applicant_personal_id": "046085001234",
        "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        "applicant_phone": "0905123456",
        "applicant_email": "nguyenvanan@example.vn",
    }
    assert (dossier.applicant_address, dossier.registry_used) == (
        "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        True,
    )


class BrokenRegistry:
    def lookup(self, personal_id: str, **context):
        raise RegistryUnavailable("population_registry: down")


@pytest.mark.parametrize("backend", ["local", "broken"])
def test_without_the_registry_the_citizen_types_their_particulars(client, birth, settings, backend):
    if backend == "broken":
        settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_apply.BrokenRegistry"
    # 001090000042 is not in the local registry file.
    client.force_login(CitizenFactory(username="001090000042", personal_id="001090000042"))
    response = client.get(URL)
    assert response.status_code == 200
    # The personal ID, from the account, and the form's default of one copy.
    assert response.context["prefilled_count"] == 2
    # Unknown to the registry, or the registry unreachable now: each said as it is, once.
    shown = {"local": "registry-unavailable", "broken": "registry-down"}[backend]
    hidden = {"local": "registry-down", "broken": "registry-unavailable"}[backend]
    assert f'data-testid="{shown}"' in response.content.decode()
    assert f'data-testid="{hidden}"' not in response.content.decode()


# --- a second "Nộp hồ sơ" for the same draft -------------------------------------------------


def _draft_with_certificate(client, birth) -> Dossier:
    client.post(
        URL, {**form_post(birth, action="luu_nhap"), f"tep_{certificate(birth).pk}": upload()}
    )
    return Dossier.objects.get()


def _trace(dossier: Dossier) -> tuple:
    from motcua.core.models import OutboxMessage

    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.submitted_at,
        fresh.form_data,
        list(fresh.events.values_list("action", flat=True)),
        fresh.documents.count(),
        OutboxMessage.objects.count(),
    )


def test_submitting_the_same_draft_from_two_tabs_submits_once(signed_in, birth):
    dossier = _draft_with_certificate(signed_in, birth)
    draft_url = f"/nop-ho-so/{dossier.reference}/"
    both_tabs_read = str(dossier.version)
    first = signed_in.post(draft_url, {**form_post(birth), "phien_ban": both_tabs_read})
    assert first["Location"] == f"{draft_url}da-nop/"
    after_first = _trace(dossier)
    assert after_first[0] == State.SUBMITTED
    assert after_first[4].count("submit") == 1

    second = signed_in.post(
        draft_url,
        {
            **form_post(birth, child_full_name="Tên gõ ở thẻ thứ hai"),
            "phien_ban": both_tabs_read,
            f"tep_{certificate(birth).pk}": upload(PNG, "anh-khac.png"),
        },
        follow=True,
    )

    assert second.redirect_chain == [(f"{draft_url}da-nop/", 302)]
    assert second.status_code == 200
    html = second.content.decode()
    submitted_at = timezone.localtime(after_first[2]).strftime("%H:%M %d/%m/%Y")
    assert (
        f"Hồ sơ {dossier.reference} đã được nộp lúc {submitted_at}; lần gửi vừa rồi không được "
        "ghi nhận và hồ sơ không thay đổi."
    ) in html
    assert _trace(dossier) == after_first
    assert after_first[3]["child_full_name"] == "Nguyễn Minh Anh"


def test_a_double_click_that_saves_a_draft_after_submission_changes_nothing(signed_in, birth):
    dossier = _draft_with_certificate(signed_in, birth)
    draft_url = f"/nop-ho-so/{dossier.reference}/"
    signed_in.post(draft_url, {**form_post(birth), "phien_ban": str(dossier.version)})
    before = _trace(dossier)

    # No version posted (an old page), and "Lưu nháp" instead of "Nộp hồ sơ".
    response = signed_in.post(draft_url, form_post(birth, action="luu_nhap", copies="9"))

    assert response["Location"] == f"{draft_url}da-nop/"
    assert _trace(dossier) == before


def test_a_submission_that_lands_between_reading_and_writing_the_draft_is_refused(
    client, rf, birth, known_citizen
):
    """The other tab's submission commits after this request read the draft but before it
    writes: the version check, or without a version the lock inside the transaction, sees
    it, and nothing is written."""
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from motcua.portal import views_apply

    def request_for(data):
        request = rf.post("/", data)
        request.user = known_citizen
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        return request

    client.force_login(known_citizen)
    stale = _draft_with_certificate(client, birth)
    page = views_apply._Page(request_for({}), birth, stale)
    # The other tab submits first.
    client.post(
        f"/nop-ho-so/{stale.reference}/", {**form_post(birth), "phien_ban": str(stale.version)}
    )
    before = _trace(stale)
    assert before[0] == State.SUBMITTED

    for data in (
        {**form_post(birth), "phien_ban": str(stale.version)},
        form_post(birth, action="luu_nhap", copies="9"),  # a save would rewrite it
    ):
        page.request = request_for(data)

        response = views_apply._save(page)

        assert response.status_code == 302
        assert response["Location"] == f"/nop-ho-so/{stale.reference}/da-nop/"
        assert [str(m) for m in get_messages(page.request)] == [
            f"Hồ sơ {stale.reference} đã được nộp lúc "
            + timezone.localtime(before[2]).strftime("%H:%M %d/%m/%Y")
            + "; lần gửi vừa rồi không được ghi nhận và hồ sơ không thay đổi."
        ]
        assert _trace(stale) == before


# --- the start form's one-time token ---------------------------------------------------------


def test_a_double_click_on_submit_makes_one_dossier(signed_in, birth):
    token = signed_in.get(URL).context["start_token"]
    post = {**form_post(birth), f"tep_{certificate(birth).pk}": upload(), "phieu": token}
    first = signed_in.post(URL, post)
    second = signed_in.post(
        URL, {**form_post(birth), f"tep_{certificate(birth).pk}": upload(), "phieu": token}
    )

    dossier = Dossier.objects.get()
    assert first["Location"] == second["Location"] == f"/nop-ho-so/{dossier.reference}/da-nop/"
    assert list(dossier.events.values_list("action", flat=True)) == [
        "create",
        "form_save",
        "attach",
        "submit",
    ]
    assert DossierDocument.objects.count() == 1
    page = signed_in.get(second["Location"]).content.decode()
    assert f"Hồ sơ {dossier.reference} đã được nộp lúc" in page


def test_a_double_click_on_save_draft_makes_one_draft(signed_in, birth):
    token = signed_in.get(URL).context["start_token"]
    post = {**form_post(birth, action="luu_nhap"), "phieu": token}
    signed_in.post(URL, post)
    second = signed_in.post(URL, post)

    dossier = Dossier.objects.get()
    assert second["Location"] == f"/nop-ho-so/{dossier.reference}/"
    assert list(dossier.events.values_list("action", flat=True)) == ["create", "form_save"]
    page = signed_in.get(second["Location"]).content.decode()
    assert (
        f"Hồ sơ {dossier.reference} đã được tạo từ lần gửi trước; lần gửi vừa rồi không tạo "
        "thêm hồ sơ." in page
    )


def test_a_used_token_pruned_later_is_refused_not_taken_as_new(signed_in, birth):
    token = signed_in.get(URL).context["start_token"]
    post = {**form_post(birth, action="luu_nhap"), "phieu": token}
    signed_in.post(URL, post)
    assert token not in signed_in.session["portal.start_tokens"]
    StartToken.objects.all().delete()  # what prune_records does to old rows

    response = signed_in.post(URL, post)

    assert response.status_code == 400
    assert Dossier.objects.count() == 1


def test_each_start_page_has_its_own_token(signed_in, birth):
    first = signed_in.get(URL).context["start_token"]
    second = signed_in.get(URL).context["start_token"]
    assert first != second
    signed_in.post(URL, {**form_post(birth, action="luu_nhap"), "phieu": first})
    signed_in.post(URL, {**form_post(birth, action="luu_nhap"), "phieu": second})
    assert Dossier.objects.count() == 2


def test_a_token_not_issued_to_this_session_creates_nothing(signed_in, birth):
    response = signed_in.post(
        URL, {**form_post(birth, action="luu_nhap"), "phieu": "khong-phai-phieu-cua-ban"}
    )
    assert response.status_code == 400
    assert response.context["message"] == (
        "Trang nộp hồ sơ này đã hết hạn. Hãy kiểm tra lại các mục và gửi lại "
        "(chọn lại tệp nếu đã chọn)."
    )
    assert response.context["start_token"] in signed_in.session["portal.start_tokens"]
    assert Dossier.objects.count() == 0
    assert DossierEvent.objects.count() == 0


def test_another_citizens_token_does_not_lead_to_their_dossier(client, signed_in, birth):
    token = signed_in.get(URL).context["start_token"]
    signed_in.post(URL, {**form_post(birth, action="luu_nhap"), "phieu": token})
    mine = Dossier.objects.get()
    other = CitizenFactory(username="046192005678", personal_id="046192005678")
    client.force_login(other)

    response = client.post(URL, {**form_post(birth, action="luu_nhap"), "phieu": token})

    assert response.status_code == 400
    assert list(Dossier.objects.all()) == [mine]
