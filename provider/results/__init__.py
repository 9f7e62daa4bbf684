"""Results by content address: the store on disk and the HTTP server the oracles fetch from."""
