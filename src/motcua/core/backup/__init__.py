"""`motcua backup FILE` and `motcua restore FILE` (domain.md §11, docs/howto/backup.md).

An archive is one tar file (gzip-compressed unless FILE ends in `.tar`):

    database/motcua.sqlite3 or database/motcua.pgdump   one consistent snapshot of the database
    files/<store>/<path>                               every file of each registered file store
    manifest.json                                      last: size and sha256 of every member,
                                                       the migrations, the row count of every
                                                       table, the vendor, the time, the version

The database is read before the files, on purpose: an upload is written to disk before the
row that names it commits, so every file the snapshot names is already on disk when the files
are read. A file written after the snapshot travels as an orphan, which `media_sweep` removes.

Neither command writes a row: a backup only reads (it may run against a standby), and a
restore leaves exactly the rows of the archive. They log one line each instead.
"""

from motcua.core.backup.archive import BackupSummary, archive_verify, backup_write
from motcua.core.backup.database import database_rows, table_counts
from motcua.core.backup.restore import RestoreSummary, restore_read
from motcua.core.backup.stores import BackupRefused, FileStore, file_store, stores_located

__all__ = [
    "BackupRefused",
    "BackupSummary",
    "FileStore",
    "RestoreSummary",
    "archive_verify",
    "backup_write",
    "database_rows",
    "file_store",
    "restore_read",
    "stores_located",
    "table_counts",
]
