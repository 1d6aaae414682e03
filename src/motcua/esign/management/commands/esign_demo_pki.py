from __future__ import annotations

from django.core.management.base import BaseCommand

from motcua.directory.models import Agency
from motcua.esign import conf
from motcua.esign.pki import demo_pki_ensure


class Command(BaseCommand):
    help = (
        "Tạo tổ chức chứng thực thử nghiệm và chứng thư số cho từng cơ quan (dữ liệu mẫu; "
        "chạy lại nhiều lần không tạo trùng)."
    )

    def handle(self, *args, **options) -> None:
        issued, kept = demo_pki_ensure(Agency.objects.order_by("code"))
        self.stdout.write(
            f"Chứng thư số thử nghiệm: cấp mới {issued}, giữ nguyên {kept} "
            f"(thư mục {conf.key_dir()})."
        )
