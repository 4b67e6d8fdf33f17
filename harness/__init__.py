"""The local stack that tests, benchmarks and the demo share, kept out of tests/ so that bench/ and
scripts/ never import test modules.

- `harness.stack`: a private stack in a folder (the sandbox in this process behind a call recorder,
  an Azurite of its own, a devhost process) and the waits that drive a link through it.
- `harness.recorder`: the call recorder (wall-clock times, Retry-After, tokens, hooks on a call).
- `harness.scenarios`: sandbox scenarios with many links, and fault storms.
- `harness.happy_path`: the happy-path scenario's ids and people, a link request, Easy Auth headers.
- `harness.fleet`: made-up `GET /api/links` items for the fleet views.
- `harness.demo`: the sandbox and devhost as child processes, for `scripts/demo`.

What only one test needs stays beside that test under tests/.
"""
