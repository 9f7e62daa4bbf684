"""Wire models: the request and response bodies a GPUC server and its client share.

One class per body, imported by the server that answers it and the client that reads
it (``fields`` the field types, ``matcher`` the market API, ``oracle`` the oracle's
submission intake). Integers that can pass 2**53 travel as decimal strings
(protocol.wire_ints.WireUint); both forms are accepted on input.

This package imports nothing at load time: protocol.typed_data builds on ``fields``.
"""
