"""The dossier's optional references and the event's actor have no database constraint
(docs/decisions/0007-optional-references-without-constraints.md): what the database no longer
checks, Django still does — deleting a row they name is refused (`on_delete=PROTECT`, the
collector's own check, run before any SQL) and an agency merger moves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.utils import timezone

from motcua.catalog.models import WorkflowStep
from motcua.directory.models import Office
from motcua.directory.services import agency_merge
from motcua.dossiers.models import Dossier, DossierEvent
from tests.factories import AgencyFactory, UserFactory

UNCONSTRAINED = {
    Dossier: (
        "office",
        "applicant",
        "created_by",
        "current_step",
        "assignee",
        "transfer_agency",
        "waits_for",
    ),
    DossierEvent: ("actor",),
}
CONSTRAINED = {Dossier: ("procedure", "agency"), DossierEvent: ("dossier",)}


def _foreign_keys(model) -> set[str]:
    """The columns of `model`'s table that the database checks as foreign keys."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        column
        for constraint in constraints.values()
        if constraint["foreign_key"]
        for column in constraint["columns"]
    }


def test_the_model_declares_no_constraint_on_the_optional_references():
    for model, names in UNCONSTRAINED.items():
        for name in names:
            field = model._meta.get_field(name)
            assert field.db_constraint is False, name
            assert field.remote_field.on_delete.__name__ == "PROTECT", name
    for model, names in CONSTRAINED.items():
        for name in names:
            assert model._meta.get_field(name).db_constraint is True, name


@pytest.mark.django_db
def test_the_database_checks_only_the_references_an_import_fills():
    dossier_keys, event_keys = _foreign_keys(Dossier), _foreign_keys(DossierEvent)
    assert {"procedure_id", "agency_id"} <= dossier_keys
    assert "dossier_id" in event_keys
    if connection.vendor == "postgresql":
        # SQLite keeps its REFERENCES clauses: dropping one would rebuild the table (and
        # lose the index's triggers on it), and there a check of an empty column is free.
        optional = {Dossier._meta.get_field(n).column for n in UNCONSTRAINED[Dossier]}
        assert dossier_keys.isdisjoint(optional)
        assert "actor_id" not in event_keys


def _dossier(procedure, agency, **references) -> Dossier:
    now = timezone.now()
    dossier = Dossier.objects.create(
        reference=f"R-{Dossier.objects.count() + 1}",
        procedure=procedure,
        agency=agency,
        channel="direct",
        applicant_name="Nguyễn Văn A",
        created_at=now,
        **references,
    )
    return dossier


def _refused(instance) -> None:
    model = type(instance)
    with pytest.raises(ProtectedError):
        instance.delete()
    assert model.objects.filter(pk=instance.pk).exists()


@pytest.mark.parametrize("role", ["applicant", "created_by", "assignee"])
def test_a_user_a_dossier_names_cannot_be_deleted(agency, procedure, role):
    user = UserFactory()
    _dossier(procedure, agency, **{role: user})

    _refused(user)


def test_the_actor_of_an_event_cannot_be_deleted(agency, procedure):
    actor = UserFactory()
    dossier = _dossier(procedure, agency)
    DossierEvent.objects.create(
        dossier=dossier, seq=1, at=timezone.now(), actor=actor, action="create", to_state="draft"
    )

    _refused(actor)


def test_an_office_a_step_an_agency_and_a_dossier_that_are_named_cannot_be_deleted(
    agency, procedure
):
    office = Office.objects.create(code="MC-01", name="Bộ phận Một cửa")
    step = WorkflowStep.objects.filter(procedure=procedure).order_by("position").first() or (
        WorkflowStep.objects.create(
            procedure=procedure, position=1, name="Thẩm định", role="specialist", share_percent=100
        )
    )
    partner = AgencyFactory(code="000.00.13.H99")
    awaited = _dossier(procedure, agency)
    _dossier(
        procedure,
        agency,
        office=office,
        current_step=step,
        transfer_agency=partner,
        waits_for=awaited,
    )

    for named in (office, step, partner, awaited):
        _refused(named)
    # A step goes with its procedure, which the dossier protects too.
    _refused(procedure)


def test_merging_an_agency_a_dossier_transfers_to_moves_nothing(agency, procedure):
    partner = AgencyFactory(code="000.00.13.H99")
    successor = AgencyFactory(code="000.00.14.H99")
    dossier = _dossier(procedure, agency, transfer_agency=partner)
    before = Dossier.objects.values().get(pk=dossier.pk)

    admin = UserFactory(is_superuser=True, is_staff=True)
    agency_merge(
        actor=admin,
        agency=partner,
        successor=successor,
        on=timezone.localdate() - timedelta(days=1),
    )

    assert Dossier.objects.values().get(pk=dossier.pk) == before
    _refused(partner)


def test_a_dossier_with_references_and_events_is_written_and_read_back(agency, procedure):
    """Without the constraint the references still join: the ORM reads them back."""
    user = UserFactory()
    dossier = _dossier(procedure, agency, assignee=user, created_by=user)
    DossierEvent.objects.create(
        dossier=dossier, seq=1, at=timezone.now(), actor=user, action="create", to_state="draft"
    )

    assert Dossier.objects.filter(assignee__username=user.username).get() == dossier
    assert DossierEvent.objects.select_related("actor").get(dossier=dossier).actor == user
