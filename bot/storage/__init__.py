"""Persistence in a SQLite file or a PostgreSQL database: knowledge generations, the question
log, votes, reports, the threads the bot opened."""

from bot.storage.database import Database, Session, Transaction, is_postgres, utc_iso, utcnow
from bot.storage.feedback import Feedback, VoteCount
from bot.storage.knowledge_store import GenerationInfo, KnowledgeStore, SourceInfo
from bot.storage.migrations import MIGRATIONS, SCHEMA_VERSION, SchemaError, StorageError
from bot.storage.question_log import Origin, QuestionLog, QuestionRecord, StoredQuestion
from bot.storage.reports import ChannelCount, DayCount, Reports, Stats, UnansweredQuestion
from bot.storage.retention import Retention
from bot.storage.storage import Storage

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ChannelCount",
    "Database",
    "DayCount",
    "Feedback",
    "GenerationInfo",
    "KnowledgeStore",
    "Origin",
    "QuestionLog",
    "QuestionRecord",
    "Reports",
    "Retention",
    "SchemaError",
    "Session",
    "SourceInfo",
    "Stats",
    "Storage",
    "StorageError",
    "StoredQuestion",
    "Transaction",
    "UnansweredQuestion",
    "VoteCount",
    "is_postgres",
    "utc_iso",
    "utcnow",
]
