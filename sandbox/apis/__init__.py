"""The sandboxed Microsoft services, one module each, all answering in the real payloads' shapes."""
