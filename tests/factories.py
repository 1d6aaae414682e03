"""factory_boy factories: each test builds the few rows it needs."""

from __future__ import annotations

import factory

from motcua.catalog.models import FeeLine, Procedure, RequiredDocument, Sector, WorkflowStep
from motcua.directory.models import Agency, Role, StaffRole, User


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{n:02d}.H99")
    name = factory.Sequence(lambda n: f"Sở thử nghiệm {n}")
    level = Agency.Level.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    password = factory.django.Password("matkhau-thu-nghiem")


class CitizenFactory(UserFactory):
    personal_id = factory.Sequence(lambda n: f"0010900{n:05d}")


def staff(role: str, agency: Agency, **kwargs) -> User:
    user = UserFactory(**kwargs)
    StaffRole.objects.create(user=user, agency=agency, role=role)
    return user


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("name",)

    name = "Hộ tịch"


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm {n}")
    sector = factory.SubFactory(SectorFactory)
    level = Procedure.Level.PROVINCE
    time_limit = "3 d"
    online = Procedure.Online.FULL
    legal_basis = "Luật Hộ tịch số 60/2014/QH13"

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.agencies.set(extracted)

    @factory.post_generation
    def workflow(self, create, extracted, **kwargs):
        """Two steps by default: a specialist (70 %) then an approver (30 %)."""
        if not create or extracted is False:
            return
        steps = extracted or [("Thẩm định", Role.SPECIALIST, 70), ("Phê duyệt", Role.APPROVER, 30)]
        for position, (name, role, share) in enumerate(steps, start=1):
            WorkflowStep.objects.create(
                procedure=self, position=position, name=name, role=role, share_percent=share
            )


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    position = factory.Sequence(int)
    name = "Tờ khai theo mẫu"


class FeeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeLine

    procedure = factory.SubFactory(ProcedureFactory)
    name = "Lệ phí"
    amount = 50000
