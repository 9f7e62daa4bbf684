"""How the provider agent is put together (the chain loop is wired by ``gpuc``).

This module holds no code yet: the pieces below are built and tested on their
own; the composition root wires them to the chain and the matcher.

Start:
  1. Load the provider key (``protocol`` wallet) and check stake on
     ``ProviderStaking``; stake when configured and short.
  2. ``provider.device.measure_device()`` -> ``DeviceProfile`` (backend, name,
     matmul GFLOP/s, embeddings/s). Publish capacity and price to the matcher,
     with ``DeviceProfile.units_per_second(kind)`` as the registered throughput
     the oracles hold receipts to; heartbeat; re-price with a
     ``protocol.pricing`` strategy.
  3. Start ``provider.results.server.ResultServer(ResultStore(data_dir))`` on
     127.0.0.1 (a reverse proxy publishes it if oracles are remote); its
     ``result_url(hash)`` is what the oracles fetch.

Per matched job (one worker thread each, bounded by capacity):
  4. Rebuild ``JobTerms`` from ``JobOpened``, fetch the spec document (and the
     input file for embeddings), check ``spec_hash(document) == terms.spec``,
     accept on chain before ``acceptDeadline``.
  5. ``JobExecutor(default_registry(), limits, device=profile.backend)``
     ``.run(JobRequest(job_id, spec, inputs))`` with the wall limit no later
     than the job's deadline -> a typed outcome. Only ``Succeeded`` continues;
     TimedOut / OutOfMemory / Crashed / Refused are logged and the job is left
     (the consumer gets the budget back after the deadline; the agent keeps
     serving).
  6. ``store.put(outcome.result)`` (the hash equals ``outcome.result_hash``),
     then ``receipt_for(outcome, max_units=terms.max_units)`` and
     ``sign_receipt(domain, receipt, key)``; submit the receipt on chain.
  7. After the verdict (or the optimistic window), withdraw the payment.

``--cheat``: between 5 and 6, ``provider.cheat.forger.forge(spec,
outcome.result, outcome.units)`` gives forged bytes and units; store the forged
bytes and pass their hash and units to ``receipt_for`` so the oracles see
exactly what a dishonest provider would commit to, and slash it.
"""
