"""The idle shutdown: activity signals, the idle decision, the user's settings, the check
loop and the shutdown sequence, and one action per environment."""
