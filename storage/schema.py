"""Every model module, imported so `Base.metadata` holds the whole schema (Alembic, tests).

A new model module is added here in the same commit as its migration.
"""

from storage import models  # noqa: F401
from storage.models import Base

metadata = Base.metadata
