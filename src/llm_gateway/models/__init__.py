"""ORM models. Importing this package registers every table on ``Base.metadata``."""

from llm_gateway.models.base import Base, TimestampMixin, UUIDPrimaryKeyMixin

__all__ = ["Base", "TimestampMixin", "UUIDPrimaryKeyMixin"]
