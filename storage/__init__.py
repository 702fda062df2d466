"""Storage: SQLModel tables, Alembic migrations, and repository functions (session first, keywords after)."""
