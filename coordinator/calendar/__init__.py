"""The month grid and the agenda of published network events."""
