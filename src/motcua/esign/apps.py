from django.apps import AppConfig


class EsignConfig(AppConfig):
    name = "motcua.esign"
    verbose_name = "Kết quả điện tử và chữ ký số"

    def ready(self) -> None:
        from motcua.core.backup import file_store
        from motcua.esign import conf

        # The CA and the agencies' keys travel with `motcua backup`: a restored result must
        # still verify, and signing must go on with the same keys.
        file_store("esign-pki")(conf.pki_dir)
        file_store("esign-keys")(conf.key_dir)
