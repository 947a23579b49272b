"""peerweave.spread."""
