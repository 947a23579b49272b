"""peerweave.network: the organization graph, person metrics, roles, groups and silos.

>>> from peerweave.network import OrgGraph, analyze
>>> OrgGraph.__name__, analyze.__name__
('OrgGraph', 'analyze')
"""

from peerweave.network.analysis import EXPORT_COLUMNS, AnalysisOptions, NetworkAnalysis, analyze
from peerweave.network.graph import MissingDependencyError, OrgGraph
from peerweave.network.groups import FormalInformal, GroupReport, WholeNetwork
from peerweave.network.metrics import METRIC_COLUMNS, MetricOptions, PersonMetrics, person_metrics
from peerweave.network.roles import ROLES, RoleThresholds

__all__ = [
    "EXPORT_COLUMNS",
    "METRIC_COLUMNS",
    "ROLES",
    "AnalysisOptions",
    "FormalInformal",
    "GroupReport",
    "MetricOptions",
    "MissingDependencyError",
    "NetworkAnalysis",
    "OrgGraph",
    "PersonMetrics",
    "RoleThresholds",
    "WholeNetwork",
    "analyze",
    "person_metrics",
]
