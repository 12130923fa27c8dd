"""Settings from the environment or a `.env` file (pydantic-settings).

Every setting has an upper-case environment name (``BOT_TOKEN``, ``DATABASE_URL`` ...).
Start-up turns a validation error into one clear line naming the setting (see ``bot.__main__``).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCALES: tuple[str, ...] = ("zh_Hans", "zh_Hant", "en")
LocaleCode = Literal["zh_Hans", "zh_Hant", "en"]
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")

BOTFATHER_HELP = (
    "BOT_TOKEN is not set. Create a bot: open Telegram, talk to @BotFather, send /newbot and follow "
    "the steps; it answers with a token like 123456789:AAE... . Put it in a file named .env next to "
    "the Makefile (BOT_TOKEN=123456789:AAE...) or export BOT_TOKEN in your shell, then run `make run` again."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///data/bot.platform.db"
    redis_url: str | None = None
    redis_prefix: str = "cbot"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"
    # Where phone numbers written without a country code (a ledger's "13812345678") are from (ISO 3166 code).
    phone_region: str = Field(default="CN", min_length=2, max_length=2)
    webhook_secret: SecretStr | None = None
    webhook_url: str | None = None
    webhook_path: str = "/telegram/webhook"
    # How many HTTPS connections Telegram may open to the webhook at once (setWebhook's max_connections, 1-100).
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    default_locale: LocaleCode = "zh_Hans"
    # Flood control: at most this many updates per user in the window, then one polite warning.
    flood_limit: int = Field(default=20, ge=1)
    flood_window_seconds: int = Field(default=10, ge=1)
    # Outgoing pushes per second for the whole bot (Telegram allows about 30; headroom avoids 429s).
    send_rate: float = Field(default=29.0, gt=0, le=30)
    # Volunteer tasks (minutes / hours): escalation of unclaimed work, reminders, auto-confirmation.
    task_escalate_minutes: int = Field(default=30, ge=1)
    task_escalate_urgent_minutes: int = Field(default=10, ge=1)
    task_pickup_reminder_minutes: int = Field(default=120, ge=1)
    task_staff_alert_minutes: int = Field(default=30, ge=1)
    task_autoconfirm_hours: int = Field(default=24, ge=1)
    # Health reports: thresholds (°C) for an abnormal report and a red flag.
    health_abnormal_temp: float = Field(default=37.3, ge=35, le=42)
    health_red_flag_temp: float = Field(default=39.5, ge=35, le=43)
    health_retention_days: int = Field(default=30, ge=1)
    # Home monitoring: default length, local reminder times, and how long silence waits before a second
    # reminder and then a follow-up call; a report up to `early` minutes before a slot counts for it.
    health_monitor_days: int = Field(default=14, ge=1, le=60)
    health_monitor_times: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["08:00", "20:00"])
    health_slot_early_minutes: int = Field(default=120, ge=0, le=360)
    health_remind_again_minutes: int = Field(default=120, ge=5)
    health_followup_minutes: int = Field(default=60, ge=5)
    # The optional daily check-in for every resident (switched per community with /checkin).
    health_checkin_time: str = "09:00"
    # Notices: quiet hours (information and blue wait until they end), acknowledgement reminder for red and
    # orange alerts, door-knock for care-needs households that did not acknowledge a red alert.
    notice_quiet_hours: str = "22:00-07:00"
    notice_ack_remind_minutes: int = Field(default=30, ge=5)
    notice_doorknock_minutes: int = Field(default=60, ge=5)
    # Cases (hazard reports): a report of the same category at the same place within this window joins the open
    # case; not acknowledged in time -> the community's admins (fire, gas, electrical: the urgent limit); no
    # answer to "Is it fixed?" in time counts as fixed; per-category limits for resolving (hours).
    case_join_window_hours: int = Field(default=72, ge=1)
    case_ack_minutes: int = Field(default=120, ge=1)
    case_ack_urgent_minutes: int = Field(default=15, ge=1)
    case_confirm_hours: int = Field(default=48, ge=1)
    hazard_resolve_hours: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: {
        "passage": 12, "clutter": 48, "garbage": 24, "lift": 48, "lights": 72, "door": 48, "water": 24,
        "danger": 4, "gathering": 6, "other": 72})
    # "Is it true?": the weekly digest "this week's rumours, checked" (0 Monday ... 6 Sunday, local time).
    rumour_digest_weekday: int = Field(default=0, ge=0, le=6)
    rumour_digest_time: str = "09:00"
    # Someone to talk to: a YAML file of crisis expressions per language replacing the shipped defaults.
    support_crisis_file: str | None = None
    # ... and a YAML file of self-help (topics, the breathing exercise) replacing bot/support/resources.yaml.
    support_resources_file: str | None = None
    polling_timeout: int = Field(default=25, ge=0, le=50)
    # Updates of different people handled at the same time (one person's are always handled in order).
    concurrency: int = Field(default=100, ge=1, le=1000)
    # PostgreSQL connections each process keeps open (updates wait for one; SQLite uses its own five).
    database_pool_size: int = Field(default=20, ge=2, le=200)
    log_level: str = "INFO"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not _TOKEN_RE.match(v.get_secret_value().strip()):
            raise ValueError("does not look like a bot token (expected digits:letters, as BotFather gives)")
        return v

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, v: object) -> object:
        if isinstance(v, str):
            parts = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
            for p in parts:
                if not p.lstrip("-").isdigit():
                    raise ValueError(f"'{p}' is not a numeric Telegram user id")
            return [int(p) for p in parts]
        if isinstance(v, int):
            return [v]
        return v

    @field_validator("health_monitor_times", mode="before")
    @classmethod
    def _times(cls, v: object) -> object:
        items = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()] if isinstance(v, str) else v
        if not items:
            raise ValueError("give at least one time, like 08:00,20:00")
        out = sorted({_hhmm(str(p)) for p in items})
        return out

    @field_validator("hazard_resolve_hours", mode="before")
    @classmethod
    def _resolve_hours(cls, v: object) -> object:
        """`passage=12,garbage=24`: the categories named change, the others keep their defaults."""
        if not isinstance(v, str):
            return v
        defaults = cls.model_fields["hazard_resolve_hours"].default_factory()
        for part in (p.strip() for p in v.replace(";", ",").split(",") if p.strip()):
            key, _, hours = part.partition("=")
            if key.strip() not in defaults or not hours.strip().isdigit() or int(hours) < 1:
                raise ValueError(f"'{part}' is not category=hours with a category among {', '.join(defaults)}")
            defaults[key.strip()] = int(hours)
        return defaults

    @field_validator("notice_quiet_hours")
    @classmethod
    def _quiet(cls, v: str) -> str:
        parts = v.split("-")
        if len(parts) != 2:
            raise ValueError(f"'{v}' is not a time range like 22:00-07:00")
        return f"{_hhmm(parts[0])}-{_hhmm(parts[1])}"

    @field_validator("health_checkin_time", "rumour_digest_time")
    @classmethod
    def _checkin_time(cls, v: str) -> str:
        return _hhmm(v)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone '{v}' (use a name like Asia/Shanghai)") from e
        return v

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        if not (v.startswith("sqlite+aiosqlite://") or v.startswith("postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return v

    @field_validator("telegram_api_url")
    @classmethod
    def _api(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v.rstrip("/")

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        if self.bot_token is None:
            raise MissingToken(BOTFATHER_HELP)
        return self.bot_token.get_secret_value().strip()


def _hhmm(text: str) -> str:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if m is None:
        raise ValueError(f"'{text}' is not a time of day like 08:00")
    return f"{int(m[1]):02d}:{m[2]}"


class MissingToken(Exception):
    pass


def describe_validation_error(err: ValidationError) -> str:
    """One line naming the first bad setting by its environment name."""
    first = err.errors()[0]
    name = str(first["loc"][0]).upper() if first.get("loc") else "settings"
    msg = first.get("msg", "invalid").removeprefix("Value error, ")
    return f"Configuration error: {name}: {msg}"
