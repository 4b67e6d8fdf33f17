"""devhost: a local Azure Functions + Durable Functions host for this app.

It loads ``function_app.app`` unchanged, serves its HTTP routes, implements the
Durable extension's HTTP API, runs orchestrations through the SDK's replay
protocol with history in SQLite and consumes Azure Storage queues (Azurite).
See devhost/README.md.
"""
