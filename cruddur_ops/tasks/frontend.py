"""`inv frontend.*`: build, plan, sync and doctor, assembled from one module per job."""

from __future__ import annotations

from invoke import Collection

from . import frontend_build, frontend_doctor, frontend_releases, frontend_sync

collection = Collection("frontend", *frontend_build.tasks, *frontend_sync.tasks, *frontend_releases.tasks,
                        *frontend_doctor.tasks)
