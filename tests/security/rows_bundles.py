"""The row of the bundles' application page (`/lien-thong/<code>/nop/`): a page for citizens
— anonymous visitors are sent to sign in, staff of any agency meet the 403 page — and the
citizen's post makes one application with a child dossier per member. Its refusals (a missing
document, a member's form) are tests/bundles/test_apply.py."""

from __future__ import annotations

from motcua.bundles.models import Bundle, BundleApplication
from motcua.bundles.services import MemberSpec, bundle_apply, bundle_define
from motcua.dossiers.models import WaitOnFailure
from motcua.payments.models import GroupOrder
from tests.factories import FeeLineFactory, ProcedureFactory
from tests.security.rows import Actors, Row
from tests.security.rows_other import (
    CITIZEN_ONLY,
    CITIZEN_OWN,
    _citizen_actors,
    _grew,
    _owner_actors,
)
from tests.security.world import HOME, World

CODE = "thu-nghiem-lien-thong"
PAYING = "thu-nghiem-lien-thong-co-phi"


def _bundle(world: World) -> Bundle:
    found = Bundle.objects.filter(code=CODE).first()
    if found is not None:
        return found
    first = ProcedureFactory(agencies=[world.agencies[HOME]])
    second = ProcedureFactory(agencies=[world.agencies[HOME]])
    return bundle_define(
        actor=None,
        code=CODE,
        name="Liên thông thử nghiệm",
        members=[
            MemberSpec(first.code),
            MemberSpec(second.code, waits_for=first.code, on_failure=WaitOnFailure.WITHDRAW),
        ],
    )


def _data(world: World) -> dict[str, str]:
    bundle = _bundle(world)
    return {
        "applicant_full_name": "Nguyễn Văn Chủ",
        "applicant_birth_date": "01/01/1990",
        "applicant_personal_id": world.owner.personal_id or "",
        "applicant_address": "1 Lê Lợi, thành phố Huế",
        **{f"co_quan_{m.pk}": world.agencies[HOME].code for m in bundle.members.all()},
    }


def _actors(world: World) -> Actors:
    _bundle(world)  # made before any request, so a refused one is seen to write nothing
    return _citizen_actors(world)


def _applications(world: World) -> int:
    return BundleApplication.objects.filter(applicant=world.owner).count()


def _paying(world: World) -> BundleApplication:
    """The owner's application for a bundle whose two parts each owe a fee paid online."""
    found = BundleApplication.objects.filter(bundle__code=PAYING, applicant=world.owner).first()
    if found is not None:
        return found
    first, second = (
        ProcedureFactory(agencies=[world.agencies[HOME]], accepts_online_payment=True)
        for _ in range(2)
    )
    for procedure, amount in ((first, 8_000), (second, 2_000)):
        FeeLineFactory(procedure=procedure, amount=amount)
    bundle = bundle_define(
        actor=None,
        code=PAYING,
        name="Liên thông thử nghiệm có phí",
        members=[MemberSpec(first.code), MemberSpec(second.code)],
    )
    data = _data(world)
    return bundle_apply(
        actor=world.owner,
        bundle=bundle,
        answers={
            **{k: v for k, v in data.items() if not k.startswith("co_quan_")},
            "applicant_birth_date": "1990-01-01",  # as the page parses the posted date
        },
        agencies={m.pk: world.agencies[HOME] for m in bundle.members.all()},
        uploads={},
        applicant={"applicant_name": "Nguyễn Văn Chủ", "applicant_address": "1 Lê Lợi, Huế"},
        registry_used=False,
    )


def _pay_actors(world: World) -> Actors:
    _paying(world)
    return _owner_actors(world)


def _group_orders(world: World) -> int:
    return GroupOrder.objects.filter(label=_paying(world).code).count()


BUNDLE_ROWS = [
    Row(
        route="bundles:apply",
        label="apply",
        url=lambda world: f"/lien-thong/{_bundle(world).code}/nop/",
        data=_data,
        actors=_actors,
        refused=CITIZEN_ONLY,
        effect=_applications,
        done=_grew(),
    ),
    Row(
        route="bundles:pay",
        label="pay once",
        url=lambda world: f"/lien-thong/tra-cuu/{_paying(world).code}/thanh-toan/",
        data=lambda world: {"cong": "sandbox"},
        actors=_pay_actors,
        refused=CITIZEN_OWN,
        effect=_group_orders,
        done=_grew(),
    ),
]
