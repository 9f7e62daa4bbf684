"""Wire models shared by a server and its clients (one home per model)."""
