"""Set up the stand-in services' database: the portal as VNeID's one client, and every person
of the demo population registry as a VNeID account with the demo passcode. Safe to run again.

Run with the stand-ins' settings (scripts/run.sh does):
    DJANGO_SETTINGS_MODULE=motcua.standins.settings motcua standins_setup
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from joserfc.jwk import OKPKey
from oauth2_provider.models import Application

from motcua.integration.registry import LocalRegistry
from motcua.standins.docexchange import docexchange_folder, standin_key
from motcua.standins.keys import DEMO_PASSCODE, secret_load

CLIENT_NAME = "Cổng dịch vụ công tỉnh (motcua)"


class Command(BaseCommand):
    help = "Register the portal with the VNeID stand-in and load its people."

    def handle(self, *args: object, **options: object) -> None:
        redirect_uri = os.environ.get("MOTCUA_VNEID_REDIRECT_URI", "")
        if not redirect_uri:
            raise CommandError(
                "MOTCUA_VNEID_REDIRECT_URI is empty: set it to the portal's "
                "/dang-nhap/vneid/xong/ address."
            )
        client_id = os.environ.get("MOTCUA_VNEID_CLIENT_ID", "motcua-demo")
        secret = os.environ.get("MOTCUA_VNEID_CLIENT_SECRET", "") or secret_load(
            settings.VAR_DIR / "vneid_client_secret"
        )
        people = LocalRegistry().people()
        with transaction.atomic():
            application = Application.objects.filter(client_id=client_id).first()
            if application is None:
                application = Application(client_id=client_id)
            application.name = CLIENT_NAME
            application.client_secret = secret  # hashed by the model on save
            application.client_type = Application.CLIENT_CONFIDENTIAL
            application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
            application.algorithm = Application.RS256_ALGORITHM
            application.redirect_uris = redirect_uri
            application.skip_authorization = False
            application.save()
            # One hash for the shared demo passcode: hashing it per person would take minutes.
            password = make_password(DEMO_PASSCODE)
            known = set(User.objects.values_list("username", flat=True))
            User.objects.bulk_create(
                User(username=p.personal_id, password=password, first_name=p.full_name[:150])
                for p in people
                if p.personal_id not in known
            )
        self.stdout.write(
            f"VNeID stand-in: client {client_id} → {redirect_uri}; {len(people)} people."
        )
        self._docexchange_keys()

    def _docexchange_keys(self) -> None:
        """The document-management stand-in's public key where the portal registers it as a
        sending agency (scripts/run.sh), and the province's, from its signing key, where the
        stand-in checks the letters it receives. Both under the shared var folder."""
        folder = docexchange_folder()
        (folder / "standin_public.pem").write_bytes(standin_key().as_pem(private=False))
        province = Path(os.environ.get("MOTCUA_SYNC_KEY_FILE", "") or "/nonexistent")
        if province.is_file():
            public = OKPKey.import_key(province.read_bytes()).as_pem(private=False)
            (folder / "sender_public.pem").write_bytes(public)
        self.stdout.write(f"Document-management stand-in: keys in {folder}.")
