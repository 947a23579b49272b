"""The database adapter: tables, migrations, and the functions that read and write them.

SQLite file by default, PostgreSQL by URL. Every function takes the session
keyword-only and moves plain data (pandas frames, frozen dataclasses)::

    with Store.open(url) as store, store.transaction() as session:
        people = load_people(session=session)
"""

from peerweave.store.analysis import (
    PERSON_METRIC_COLUMNS,
    RUN_COLUMNS,
    latest_run_id,
    list_analysis_runs,
    load_person_metrics,
    save_analysis,
)
from peerweave.store.database import (
    MIGRATIONS_DIR,
    Store,
    alembic_config,
    database_revision,
    head_revision,
    make_engine,
    upgrade_database,
)
from peerweave.store.imports import (
    ImportRecord,
    StoreStatus,
    list_imports,
    record_import,
    store_status,
)
from peerweave.store.initiatives import (
    CHAMPION_COLUMNS,
    INITIATIVE_COLUMNS,
    list_initiatives,
    load_champions,
    save_initiative,
)
from peerweave.store.people import PeopleChanges, add_people_stubs, load_people, save_people
from peerweave.store.skills import load_skills, save_skills
from peerweave.store.tables import (
    IMPORT_KINDS,
    INITIATIVE_KINDS,
    PERSON_STATUSES,
    analysis_runs,
    imports,
    initiative_champions,
    initiatives,
    metadata,
    people,
    person_metrics,
    person_skills,
    ties,
)
from peerweave.store.ties import load_ties, save_ties
from peerweave.store.url import (
    DEFAULT_DATABASE_URL,
    ENV_DATABASE_URL,
    display_url,
    resolve_database_url,
)

__all__ = [
    "CHAMPION_COLUMNS",
    "DEFAULT_DATABASE_URL",
    "ENV_DATABASE_URL",
    "IMPORT_KINDS",
    "INITIATIVE_COLUMNS",
    "INITIATIVE_KINDS",
    "MIGRATIONS_DIR",
    "PERSON_METRIC_COLUMNS",
    "PERSON_STATUSES",
    "RUN_COLUMNS",
    "ImportRecord",
    "PeopleChanges",
    "Store",
    "StoreStatus",
    "add_people_stubs",
    "alembic_config",
    "analysis_runs",
    "database_revision",
    "display_url",
    "head_revision",
    "imports",
    "initiative_champions",
    "initiatives",
    "latest_run_id",
    "list_analysis_runs",
    "list_imports",
    "list_initiatives",
    "load_champions",
    "load_people",
    "load_person_metrics",
    "load_skills",
    "load_ties",
    "make_engine",
    "metadata",
    "people",
    "person_metrics",
    "person_skills",
    "record_import",
    "resolve_database_url",
    "save_analysis",
    "save_initiative",
    "save_people",
    "save_skills",
    "save_ties",
    "store_status",
    "ties",
    "upgrade_database",
]
