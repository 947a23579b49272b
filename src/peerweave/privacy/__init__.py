"""peerweave.privacy."""
