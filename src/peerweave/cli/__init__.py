"""peerweave.cli."""
