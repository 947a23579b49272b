"""peerweave: map, grow and measure an organization's peer-to-peer networks."""

from peerweave.errors import PeerweaveError

__version__ = "0.1.0"

__all__ = ["PeerweaveError", "__version__"]
