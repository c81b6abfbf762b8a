"""What every part of the service shares: settings, database, security, logging."""
