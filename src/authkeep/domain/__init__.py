"""Domain rules: no HTTP here; errors are LogtoError with Logto's codes."""
