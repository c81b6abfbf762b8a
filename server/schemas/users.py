from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    created_at: datetime


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int
