"""The row of the bundles' application page (`/lien-thong/<code>/nop/`): a page for citizens
— anonymous visitors are sent to sign in, staff of any agency meet the 403 page — and the
citizen's post makes one application with a child dossier per member. Its refusals (a missing
document, a member's form) are tests/bundles/test_apply.py."""

from __future__ import annotations

from motcua.bundles.models import Bundle, BundleApplication
from motcua.bundles.services import MemberSpec, bundle_define
from motcua.dossiers.models import WaitOnFailure
from tests.factories import ProcedureFactory
from tests.security.rows import Actors, Row
from tests.security.rows_other import CITIZEN_ONLY, _citizen_actors, _grew
from tests.security.world import HOME, World

CODE = "thu-nghiem-lien-thong"


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
]
