"""What the emulator can be seeded with: the demo Studio space and its resources, a fleet
for the audit (`demo`), and what the savings suggestions feed on (`savings`)."""
