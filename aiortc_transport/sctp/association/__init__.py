"""The sans-I/O SCTP association (see ``association.py`` for the theory of operation)."""

from .association import Association
from .state import AssociationState, AssociationStats

__all__ = ["Association", "AssociationState", "AssociationStats"]
