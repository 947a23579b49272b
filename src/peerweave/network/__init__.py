"""peerweave.network."""
