"""The domain: people, the formal hierarchy, skills and ties, and their validation."""

from peerweave.org.hierarchy import hierarchy_depth, manager_cycles, manager_index
from peerweave.org.people import empty_people, validate_people
from peerweave.org.schema import PEOPLE_COLUMNS, SKILLS_COLUMNS, TIES_COLUMNS
from peerweave.org.skills import normalise_skill, validate_skills

__all__ = [
    "PEOPLE_COLUMNS",
    "SKILLS_COLUMNS",
    "TIES_COLUMNS",
    "empty_people",
    "hierarchy_depth",
    "manager_cycles",
    "manager_index",
    "normalise_skill",
    "validate_people",
    "validate_skills",
]
