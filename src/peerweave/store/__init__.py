"""peerweave.store."""
