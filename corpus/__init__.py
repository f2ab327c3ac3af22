"""Innovation records: schema, controlled vocabularies and loaders."""
