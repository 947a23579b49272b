"""peerweave.web."""
