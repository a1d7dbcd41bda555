"""Platform adapters: thin translations between a chat platform and the platform-neutral core.
Only modules in this package import discord or telegram."""
