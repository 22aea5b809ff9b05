"""Every model module, imported so `Base.metadata` holds the whole schema (Alembic, tests).

The modules are found, not listed: a new model module is picked up by being in `storage/`.
"""

import importlib
import pkgutil

import storage
from storage.models import Base

for _found in pkgutil.iter_modules(storage.__path__):
    if not _found.ispkg and _found.name != "schema":
        importlib.import_module(f"storage.{_found.name}")

metadata = Base.metadata
