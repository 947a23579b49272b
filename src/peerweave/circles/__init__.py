"""peerweave.circles."""
