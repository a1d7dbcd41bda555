"""SQLite storage: schema, migrations and the one repository that owns every SQL statement."""

from storage.repository import Repository

__all__ = ["Repository"]
