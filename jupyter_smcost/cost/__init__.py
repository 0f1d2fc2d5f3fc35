"""Cost awareness: this app's cost, the user's running resources, and their prices."""
