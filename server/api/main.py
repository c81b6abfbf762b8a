"""The /api/v1 router: one router per resource."""

from fastapi import APIRouter

from server.api.routes import assignments, gradebook, similarity, submissions, users

api_router = APIRouter()
api_router.include_router(assignments.router)
api_router.include_router(gradebook.router)
api_router.include_router(similarity.router)
api_router.include_router(submissions.router)
api_router.include_router(users.router)
