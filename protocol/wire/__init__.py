"""Wire models shared by a server and its clients (pydantic request/response types)."""
