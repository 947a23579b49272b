"""``python -m peerweave`` runs the command line."""

from peerweave.cli import main

main()
