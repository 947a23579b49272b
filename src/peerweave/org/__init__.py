"""peerweave.org."""
