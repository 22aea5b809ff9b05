"""Every model module, imported so `Base.metadata` holds the whole schema (Alembic, tests).

A new model module is added here in the same commit as its migration.
"""

from storage import experiences as _experiences  # noqa: F401
from storage import logs, models  # noqa: F401
from storage import plans as _plans  # noqa: F401
from storage import silence as _silence  # noqa: F401
from storage import survey as _survey  # noqa: F401
from storage.models import Base

metadata = Base.metadata
