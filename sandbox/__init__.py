"""A local HTTPS stand-in for the Microsoft APIs the link job calls (Entra, LCS, BAP, Power Platform
API, Graph, Dataverse), driven by scenario files. Start it with `python -m sandbox` or in-process with
`sandbox.server.SandboxServer.start(...)`. It imports nothing of the product. See README.md.
"""
