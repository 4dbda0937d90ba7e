"""Public pages of events and projects (registered on the activities blueprint)."""
