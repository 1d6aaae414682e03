"""A signed e-result in a real browser: the approver makes the result from the procedure's
template, signs and approves it; the signed PDF is downloaded and checked on the public
verification page, which also refuses a tampered copy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier, State
from motcua.esign.models import SignedResult
from tests.esign.fixtures import at_approval, esign_pki_dir, pki  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_sign_download_and_verify(
    live_server,
    page,
    signed_in,
    screenshot,
    accessible,
    walker,
    pki,  # noqa: F811
    tmp_path,
):
    dossier = at_approval(walker)
    code = dossier.code

    signed_in(page, live_server, walker.approver.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/{code}/")
    page.get_by_text("Tạo kết quả từ mẫu").click()
    expect(page.get_by_label("Nội dung kết quả")).to_contain_text("Không có án tích.")
    page.get_by_role("button", name="Tạo kết quả PDF").click()
    expect(page.locator(".alert.success")).to_have_text(
        "Đã tạo kết quả từ mẫu và đính kèm vào hồ sơ."
    )
    expect(page.get_by_label("Kết quả cần ký số")).to_contain_text(
        f"Phiếu lý lịch tư pháp {code}.pdf"
    )
    screenshot("e-result-before-signing")
    page.get_by_role("button", name="Ký số và phê duyệt").click()
    expect(page.locator(".alert.success")).to_have_text("Đã ký số kết quả và phê duyệt hồ sơ.")
    expect(page.get_by_test_id("state")).to_have_text("Đã có kết quả")
    expect(page.get_by_test_id("result-signed")).to_have_text("đã ký số")

    with page.expect_download() as info:
        page.get_by_test_id("result-download").click()
    signed_file = tmp_path / "ket-qua.pdf"
    info.value.save_as(signed_file)
    record = SignedResult.objects.get()
    assert signed_file.read_bytes()[:5] == b"%PDF-"
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/ket-qua/xac-thuc/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực kết quả điện tử")
    accessible(page)
    page.get_by_label("Tệp kết quả (PDF)").set_input_files(str(signed_file))
    page.get_by_role("button", name="Xác thực").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict.get_by_role("heading")).to_have_text("Kết quả hợp lệ")
    expect(page.get_by_test_id("agency")).to_have_text("Sở Tư pháp thử nghiệm")
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)
    expect(page.get_by_test_id("signer")).to_have_text(walker.approver.full_name)
    accessible(page)
    screenshot("e-result-valid")

    tampered = tmp_path / "ket-qua-sua.pdf"
    tampered.write_bytes(signed_file.read_bytes().replace(b"motcua", b"MOTCUA", 1))
    page.get_by_label("Tệp kết quả (PDF)").set_input_files(str(tampered))
    page.get_by_role("button", name="Xác thực").click()
    expect(verdict.get_by_role("heading")).to_have_text("Kết quả không hợp lệ")
    expect(page.get_by_test_id("reason")).to_have_text(
        "Không hợp lệ: nội dung tệp đã bị sửa đổi sau khi ký, chữ ký số không còn khớp với "
        "tài liệu."
    )
    expect(page.get_by_test_id("details")).to_have_count(0)
    screenshot("e-result-tampered")

    # The QR code's target: the record of this result, no personal data.
    page.goto(f"{live_server.url}/ket-qua/xac-thuc/{record.token}/")
    expect(page.get_by_test_id("record")).to_contain_text(code)
    expect(page.locator("body")).not_to_contain_text(walker.citizen.personal_id)
    accessible(page)
