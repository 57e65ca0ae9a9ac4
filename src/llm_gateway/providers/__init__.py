"""Provider adapters: one module per wire protocol behind ``providers.base.ProviderAdapter``."""
