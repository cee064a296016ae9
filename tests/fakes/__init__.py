"""Hand-written fakes for logic tests. Nothing here is a recording of a real server."""
