"""The customer profile store: SQLAlchemy tables, sessions, migrations and queries."""
