"""peerweave.network: the organization graph (``OrgGraph``) and, later, metrics on it.

>>> from peerweave.network import OrgGraph
>>> OrgGraph.__name__
'OrgGraph'
"""

from peerweave.network.graph import MissingDependencyError, OrgGraph

__all__ = ["MissingDependencyError", "OrgGraph"]
