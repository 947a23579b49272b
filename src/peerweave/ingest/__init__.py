"""peerweave.ingest."""
