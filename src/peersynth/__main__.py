from peersynth.cli import main

main()
