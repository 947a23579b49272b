"""peerweave.learning."""
