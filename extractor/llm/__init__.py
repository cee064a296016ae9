"""Access to OpenAI-compatible endpoints: transport retries, instructor, embedded server."""
