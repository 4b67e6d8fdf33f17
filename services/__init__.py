"""Clients for the Microsoft services the link job touches, their shared HTTP policy and identity.

Activities reach everything through `services.clients.get_clients()`. Heavy libraries (azure-identity,
msal) are imported only when a token is first needed, so importing this package stays cheap.
"""
