"""The versioned HTTP API (`/v1`)."""
