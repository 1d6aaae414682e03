"""The tamper-evident event log: the hash chain of each dossier's events (`chain`), the
signed roots over the chains (`roots`, `keys`), their check (`verify`, `motcua
audit-verify`) and the one-off chaining of older events (`fill`, by migration)."""
